"""Reading the mail the stack's SMTP sink received (`stack.mail_sink`, one .eml per message
in `Stack.mail_dir`), for the e2e and browser tests.

Synchronous on purpose: the browser tests drive Playwright's sync API, and the sink is
another process, so polling its directory blocks nothing the test waits on.
"""

import email
import email.policy
import re
import time
from email.message import EmailMessage
from pathlib import Path

LINK = re.compile(r"https?://[^\s<>\"')]+")


def _read(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _addressed_to(message: EmailMessage, to: str) -> bool:
    return any(
        address.addr_spec.lower() == to.lower()
        for header in message.get_all("To", [])
        for address in header.addresses
    )


def mails(mail_dir: Path, to: str, *, since: float = 0.0) -> list[EmailMessage]:
    """Every message to `to` received at or after `since` (a time.time()), oldest first."""
    found = []
    # The sink writes each file under a temporary name and renames it: no half-written reads.
    for path in sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime):
        if path.stat().st_mtime < since:
            continue
        message = _read(path)
        if _addressed_to(message, to):
            found.append(message)
    return found


def wait_for_mail(
    mail_dir: Path,
    to: str,
    *,
    subject_contains: str | None = None,
    since: float = 0.0,
    timeout: float = 20.0,
) -> EmailMessage:
    """The newest message to `to` (whose subject contains `subject_contains`, when given)
    received at or after `since`; TimeoutError once `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        matching = [
            message
            for message in mails(mail_dir, to, since=since)
            if subject_contains is None or subject_contains in str(message["Subject"])
        ]
        if matching:
            return matching[-1]
        if time.monotonic() >= deadline:
            raise TimeoutError(f"no mail to {to} ({subject_contains=}) within {timeout}s")
        time.sleep(0.1)


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the message has no text part"
    return str(part.get_content())


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "the message has no HTML part"
    return str(part.get_content())


def first_link(message: EmailMessage) -> str:
    """The first http(s) link of the text part."""
    match = LINK.search(text_part(message))
    assert match is not None, "the text part holds no link"
    return match.group(0)
