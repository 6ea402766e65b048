"""Sending one message over SMTP with aiosmtplib, configured by one URL.

`smtp://[user:password@]host:port` upgrades with STARTTLS when the server offers it;
`smtps://...` speaks TLS from the first byte. The URL's password is never logged.
"""

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

import aiosmtplib

from auth.mail.templates import Rendered


class SmtpNotConfigured(RuntimeError):
    """AUTH_SMTP_URL is empty: mail stays in the outbox."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> "SmtpServer":
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("AUTH_SMTP_URL must be smtp://host:port or smtps://host:port")
        implicit_tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit_tls else 25),
            implicit_tls=implicit_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def build_message(*, sender: str, to: str, rendered: Rendered) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = rendered.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">") or None)
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


async def send(server: SmtpServer, message: EmailMessage, *, timeout: float) -> None:
    """Deliver `message`; raises aiosmtplib's errors (refused recipient, server down)."""
    await aiosmtplib.send(
        message,
        hostname=server.host,
        port=server.port,
        username=server.username,
        password=server.password,
        use_tls=server.implicit_tls,
        # None: STARTTLS if the server offers it, plain otherwise (a local sink).
        start_tls=None if not server.implicit_tls else False,
        timeout=timeout,
    )
