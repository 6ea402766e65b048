"""The mail outbox against real SMTP servers: aiosmtpd, as the stack runs it."""

import json
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from auth.mail.models import MailMessage
from auth.mail.service import MailRelay, queue_mail
from auth.mail.templates import LANGUAGES, MailKind, language_of, render
from common.db import transaction
from stack.processes import free_port, wait_for
from tests.e2e.mailbox import first_link, mails, text_part
from tests.support.polling import eventually

LINK = "http://frontend.test/reset-password?token=secret-token-1"


class RefuseEveryone:
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        return "550 No such user here"


def relay_to(auth_app, port: int) -> MailRelay:
    return MailRelay(
        sessionmaker=auth_app.state.sessionmaker,
        box=auth_app.state.secret_box,
        smtp_url=f"smtp://127.0.0.1:{port}",
        sender="Photogram <no-reply@localhost>",
        timeout=5,
    )


def sealed_mail(auth_app, to: str) -> MailMessage:
    rendered = render(MailKind.RESET_PASSWORD, language="en", username="ann", link=LINK)
    content = {"subject": rendered.subject, "text": rendered.text, "html": rendered.html}
    sealed = auth_app.state.secret_box.encrypt(json.dumps(content))
    return MailMessage(to_address=to, sealed=sealed, attempts=0)


async def rows_to(auth_app, to: str) -> list[MailMessage]:
    async with transaction(auth_app.state.sessionmaker) as session:
        result = await session.execute(select(MailMessage).where(MailMessage.to_address == to))
        return list(result.scalars())


async def _none_to(auth_app, to: str) -> bool:
    return not await rows_to(auth_app, to)


async def test_mail_asked_for_while_smtp_is_down_is_sent_once_it_is_back(
    client, auth_app, servers, mail_dir: Path, make_user
):
    account = await make_user()
    email = account["user"]["email"]
    sink = servers["mail"]
    sink.process.stop()
    try:
        response = await client.post("/auth/password/forgot", json={"email": email})
        assert response.status_code == 202

        async def tried() -> bool:
            return any(row.attempts > 0 for row in await rows_to(auth_app, email))

        # The relay has met the stopped server at least once: the mail still waits (the
        # reset link, and the verification link if registration's was not sent yet).
        await eventually(tried, timeout=10)
        waiting = await rows_to(auth_app, email)
        assert waiting and all(row.sealed is not None for row in waiting)
    finally:
        sink.process.start()
        wait_for(sink.ready, timeout=10, what="mail sink")

    async def arrived() -> list:
        return [m for m in mails(mail_dir, email) if "Reset" in str(m["Subject"])]

    [message] = await eventually(arrived, timeout=15)
    assert first_link(message).startswith("http://frontend.test/reset-password?token=")
    # Everything sent, and gone from the database, address and all.
    assert await eventually(lambda: _none_to(auth_app, email), timeout=5)


async def test_a_recipient_refused_for_good_is_not_retried(auth_app, unique):
    controller = Controller(RefuseEveryone(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        message = sealed_mail(auth_app, f"{unique()}@example.com")
        await relay_to(auth_app, controller.port)._send_one(message)
    finally:
        controller.stop()
    assert message.failed_at is not None and message.sealed is None


async def test_a_server_that_is_down_raises_for_the_loop_to_back_off(auth_app, unique):
    message = sealed_mail(auth_app, f"{unique()}@example.com")
    with pytest.raises(OSError):
        await relay_to(auth_app, free_port())._send_one(message)
    assert message.failed_at is None and message.sealed is not None


async def test_queued_mail_is_sealed(auth_app, unique):
    async with transaction(auth_app.state.sessionmaker) as session:
        await queue_mail(
            session=session,
            box=auth_app.state.secret_box,
            to=f"{unique()}@example.com",
            kind=MailKind.RESET_PASSWORD,
            language="en",
            username="ann",
            link=LINK,
        )
        [row] = [obj for obj in session.new if isinstance(obj, MailMessage)] or [
            (await session.execute(select(MailMessage).order_by(MailMessage.id.desc()))).scalar()
        ]
        assert row is not None and row.sealed is not None
        assert b"secret-token-1" not in row.sealed
        assert "secret-token-1" in auth_app.state.secret_box.decrypt(row.sealed)


def test_every_kind_reads_in_every_language_with_its_link_in_both_parts():
    link = "http://frontend.test/verify-email?token=a&b=<c>"
    for kind in MailKind:
        subjects = set()
        for language in LANGUAGES:
            rendered = render(kind, language=language, username="ann", email="a@x.test", link=link)
            subjects.add(rendered.subject)
            assert link in rendered.text
            assert "token=a&amp;b=&lt;c&gt;" in rendered.html  # escaped in HTML
            assert f'lang="{language}"' in rendered.html
        assert len(subjects) == len(LANGUAGES)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("ko-KR,ko;q=0.9,en;q=0.8", "ko"),
        ("es", "es"),
        ("fr-FR, es;q=0.5", "es"),
        ("fr", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_the_language_comes_from_a_tag_or_accept_language(header, language):
    assert language_of(header) == language


async def test_registration_mails_a_verification_link(client, mail_dir: Path, unique):
    name = unique()
    response = await client.post(
        "/auth/register",
        json={"username": name, "email": f"{name}@example.com", "password": "correct-horse-9"},
        headers={"Accept-Language": "ko"},
    )
    assert response.status_code == 201

    async def arrived() -> list:
        return mails(mail_dir, f"{name}@example.com")

    [message] = await eventually(arrived, timeout=10)
    assert message["Subject"] == "이메일 주소를 확인해 주세요"
    assert first_link(message).startswith("http://frontend.test/verify-email?token=")
    assert name in text_part(message)
