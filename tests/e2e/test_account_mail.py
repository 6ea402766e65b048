"""Mail that keeps an account: verification, password reset, password and email change,
and the list of signed-in devices, through the gateway against the stack's real SMTP sink
(stack.mail_sink). Every token a link carried is kept in LINK_TOKENS, so the last tests
can prove none of them reached a log, and that the database holds them only hashed or
encrypted.
"""

import asyncio
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest

from stack.platform import Stack
from stack.processes import wait_for
from tests.e2e.accounts import CREDENTIALS, PASSWORD, bearer
from tests.e2e.mailbox import first_link, html_part, mails, text_part, wait_for_mail
from tests.support.polling import eventually

LINK_TOKENS: list[str] = []
NEW_PASSWORD = "n3w-Passw0rd-" + uuid.uuid4().hex[:6]
CREDENTIALS.append(NEW_PASSWORD)


async def new_account(
    gateway: httpx.AsyncClient, *, language: str | None = None, user_agent: str = "e2e"
) -> dict:
    name = f"m{uuid.uuid4().hex[:10]}"
    body: dict[str, str] = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    if language:
        body["language"] = language
    response = await gateway.post("/auth/register", json=body, headers={"User-Agent": user_agent})
    assert response.status_code == 201, response.text
    tokens = response.json()
    CREDENTIALS.append(tokens["refresh_token"])
    return {**tokens, "email": body["email"], "username": name}


async def mail_to(mail_dir: Path, to: str, subject: str, since: float) -> str:
    """The first link of the newest mail to `to` with `subject`, its token remembered."""
    message = await asyncio.to_thread(
        wait_for_mail, mail_dir, to, subject_contains=subject, since=since
    )
    link = first_link(message)
    LINK_TOKENS.append(token_of(link))
    return link


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


async def sign_in(gateway: httpx.AsyncClient, login: str, password: str, agent: str) -> dict:
    response = await gateway.post(
        "/auth/login", json={"username": login, "password": password}, headers={"User-Agent": agent}
    )
    assert response.status_code == 200, response.text
    CREDENTIALS.append(response.json()["refresh_token"])
    return response.json()


async def refused_everywhere(gateway: httpx.AsyncClient, access_token: str) -> bool:
    """True once social and media both answer 401 to this token."""
    headers = bearer(access_token)
    feed = await gateway.get("/feed", headers=headers)
    quota = await gateway.get("/media/quota", headers=headers)
    return feed.status_code == 401 and quota.status_code == 401


async def accepted_everywhere(gateway: httpx.AsyncClient, access_token: str) -> bool:
    headers = bearer(access_token)
    feed = await gateway.get("/feed", headers=headers)
    quota = await gateway.get("/media/quota", headers=headers)
    return feed.status_code == 200 and quota.status_code == 200


async def test_registration_mails_a_link_that_verifies_the_address_once(
    gateway: httpx.AsyncClient, platform: Stack, mail_dir: Path
):
    since = time.time()
    account = await new_account(gateway)
    me = await gateway.get("/auth/me", headers=bearer(account["access_token"]))
    assert me.json()["email_verified"] is False
    link = await mail_to(mail_dir, account["email"], "Confirm your email", since)
    message = mails(mail_dir, account["email"], since=since)[-1]
    # One text part and one HTML part, the link in both, pointing at the web app.
    assert link in text_part(message) and link in html_part(message)
    assert link.startswith("http://frontend.test/verify-email?token=")

    verified = await gateway.post("/auth/email/verify", json={"token": token_of(link)})
    assert verified.status_code == 200, verified.text
    assert verified.json() == {"email": account["email"], "email_verified": True}
    me = await gateway.get("/auth/me", headers=bearer(account["access_token"]))
    assert me.json()["email_verified"] is True

    again = await gateway.post("/auth/email/verify", json={"token": token_of(link)})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_token"
    resend = await gateway.post("/auth/email/resend", headers=bearer(account["access_token"]))
    assert resend.status_code == 409


async def test_resend_sends_a_new_link_and_the_old_one_stops_working(
    gateway: httpx.AsyncClient, mail_dir: Path
):
    since = time.time()
    account = await new_account(gateway)
    first = await mail_to(mail_dir, account["email"], "Confirm", since)
    since = time.time()
    resend = await gateway.post("/auth/email/resend", headers=bearer(account["access_token"]))
    assert resend.status_code == 202, resend.text
    second = await mail_to(mail_dir, account["email"], "Confirm", since)
    assert second != first
    old = await gateway.post("/auth/email/verify", json={"token": token_of(first)})
    assert old.status_code == 400
    new = await gateway.post("/auth/email/verify", json={"token": token_of(second)})
    assert new.status_code == 200


@pytest.mark.parametrize(
    ("language", "accept_language", "subject"),
    [
        ("ko", None, "이메일 주소를 확인해 주세요"),
        (None, "es-ES,es;q=0.9,en;q=0.5", "Confirma tu dirección de correo"),
    ],
)
async def test_mail_is_written_in_the_users_language(
    gateway: httpx.AsyncClient,
    mail_dir: Path,
    language: str | None,
    accept_language: str | None,
    subject: str,
):
    since = time.time()
    name = f"l{uuid.uuid4().hex[:10]}"
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    if language:
        body["language"] = language
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = await gateway.post("/auth/register", json=body, headers=headers)
    assert response.status_code == 201, response.text
    CREDENTIALS.append(response.json()["refresh_token"])
    await mail_to(mail_dir, body["email"], subject, since)


async def test_a_language_chosen_later_writes_the_next_mail(
    gateway: httpx.AsyncClient, mail_dir: Path
):
    account = await new_account(gateway)
    headers = {"Authorization": f"Bearer {account['access_token']}"}
    changed = await gateway.patch("/auth/me", json={"language": "ko"}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["language"] == "ko"
    refused = await gateway.patch("/auth/me", json={"language": "fr"}, headers=headers)
    assert refused.status_code == 422
    since = time.time()
    await gateway.post("/auth/password/forgot", json={"email": account["email"]})
    await mail_to(mail_dir, account["email"], "비밀번호 재설정", since)


async def test_forgot_password_answers_202_whether_or_not_the_address_has_an_account(
    gateway: httpx.AsyncClient, mail_dir: Path
):
    since = time.time()
    unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    response = await gateway.post("/auth/password/forgot", json={"email": unknown})
    assert response.status_code == 202
    account = await new_account(gateway)
    known = await gateway.post("/auth/password/forgot", json={"email": account["email"]})
    assert known.status_code == 202
    assert known.json() == response.json()
    # The known address gets its link; the unknown one is told no account uses it (the
    # same work either way), with a way to sign up and no reset link.
    await mail_to(mail_dir, account["email"], "Reset your password", since)
    told = await asyncio.to_thread(
        wait_for_mail, mail_dir, unknown, subject_contains="No account uses", since=since
    )
    assert urlsplit(first_link(told)).path == "/signup"
    assert "token" not in text_part(told)


async def test_a_reset_asked_while_smtp_is_down_is_mailed_once_it_is_back_and_works_once(
    gateway: httpx.AsyncClient, platform: Stack, mail_dir: Path
):
    account = await new_account(gateway, user_agent="old-device")
    since = time.time()
    platform.mail.process.stop()  # type: ignore[union-attr]
    try:
        response = await gateway.post("/auth/password/forgot", json={"email": account["email"]})
        assert response.status_code == 202, response.text
        # Nothing to receive it: the mail waits in auth's outbox.
        assert mails(mail_dir, account["email"], since=since) == []
    finally:
        platform.mail.process.start()  # type: ignore[union-attr]
        assert platform.mail.ready is not None
        wait_for(platform.mail.ready, timeout=10, what="mail sink")
    link = await mail_to(mail_dir, account["email"], "Reset your password", since)
    assert link.startswith("http://frontend.test/reset-password?token=")

    reset = await gateway.post(
        "/auth/password/reset", json={"token": token_of(link), "password": NEW_PASSWORD}
    )
    assert reset.status_code == 200, reset.text
    again = await gateway.post(
        "/auth/password/reset", json={"token": token_of(link), "password": NEW_PASSWORD + "x"}
    )
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_token"

    # Every session ended: the old refresh token, and the old access token everywhere.
    old_refresh = await gateway.post(
        "/auth/refresh", json={"refresh_token": account["refresh_token"]}
    )
    assert old_refresh.status_code == 401
    await eventually(lambda: refused_everywhere(gateway, account["access_token"]), timeout=5)
    old_password = await gateway.post(
        "/auth/login", json={"username": account["username"], "password": PASSWORD}
    )
    assert old_password.status_code == 401
    fresh = await sign_in(gateway, account["username"], NEW_PASSWORD, "new-device")
    assert await accepted_everywhere(gateway, fresh["access_token"])


async def test_unknown_and_malformed_reset_tokens_are_invalid(gateway: httpx.AsyncClient):
    response = await gateway.post(
        "/auth/password/reset", json={"token": "not-a-token", "password": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_token"
    weak = await gateway.post("/auth/password/reset", json={"token": "x", "password": "short"})
    assert weak.status_code == 422


async def test_password_change_keeps_this_device_and_signs_out_the_others(
    gateway: httpx.AsyncClient, mail_dir: Path
):
    account = await new_account(gateway, user_agent="laptop")
    other = await sign_in(gateway, account["username"], PASSWORD, "phone")
    wrong = await gateway.post(
        "/auth/password/change",
        json={"current_password": "wrong-password-1", "new_password": NEW_PASSWORD},
        headers=bearer(account["access_token"]),
    )
    assert wrong.status_code == 403
    since = time.time()
    changed = await gateway.post(
        "/auth/password/change",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(account["access_token"]),
    )
    assert changed.status_code == 200, changed.text
    await eventually(lambda: refused_everywhere(gateway, other["access_token"]), timeout=5)
    assert await accepted_everywhere(gateway, account["access_token"])
    other_refresh = await gateway.post(
        "/auth/refresh", json={"refresh_token": other["refresh_token"]}
    )
    assert other_refresh.status_code == 401
    this_refresh = await gateway.post(
        "/auth/refresh", json={"refresh_token": account["refresh_token"]}
    )
    assert this_refresh.status_code == 200
    CREDENTIALS.append(this_refresh.json()["refresh_token"])
    await asyncio.to_thread(
        wait_for_mail,
        mail_dir,
        account["email"],
        subject_contains="password was changed",
        since=since,
    )


async def test_email_change_is_confirmed_on_the_new_address_and_told_to_the_old(
    gateway: httpx.AsyncClient, mail_dir: Path
):
    account = await new_account(gateway)
    new_email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    since = time.time()
    response = await gateway.post(
        "/auth/email/change",
        json={"new_email": new_email, "password": PASSWORD},
        headers=bearer(account["access_token"]),
    )
    assert response.status_code == 202, response.text
    told = await asyncio.to_thread(
        wait_for_mail, mail_dir, account["email"], subject_contains="being changed", since=since
    )
    assert new_email in text_part(told)
    link = await mail_to(mail_dir, new_email, "Confirm", since)
    me = await gateway.get("/auth/me", headers=bearer(account["access_token"]))
    assert me.json()["email"] == account["email"]  # not before the new address confirms

    verified = await gateway.post("/auth/email/verify", json={"token": token_of(link)})
    assert verified.status_code == 200, verified.text
    me = await gateway.get("/auth/me", headers=bearer(account["access_token"]))
    assert (me.json()["email"], me.json()["email_verified"]) == (new_email, True)
    signed_in = await sign_in(gateway, new_email, PASSWORD, "e2e")
    assert signed_in["user"]["email"] == new_email

    taken = await gateway.post(
        "/auth/email/change",
        json={"new_email": new_email, "password": PASSWORD},
        headers=bearer((await new_account(gateway))["access_token"]),
    )
    assert taken.status_code == 409


async def test_devices_are_listed_and_one_can_be_signed_out(gateway: httpx.AsyncClient):
    account = await new_account(gateway, user_agent="Device A")
    other = await sign_in(gateway, account["username"], PASSWORD, "Device B")
    listed = await gateway.get("/auth/sessions", headers=bearer(account["access_token"]))
    assert listed.status_code == 200, listed.text
    devices = listed.json()
    assert sorted(d["user_agent"] for d in devices) == ["Device A", "Device B"]
    current = [d for d in devices if d["current"]]
    assert [d["user_agent"] for d in current] == ["Device A"]
    assert all(d["last_used_at"] >= d["created_at"] for d in devices)

    device_b = next(d for d in devices if d["user_agent"] == "Device B")
    signed_out = await gateway.delete(
        f"/auth/sessions/{device_b['id']}", headers=bearer(account["access_token"])
    )
    assert signed_out.status_code == 204
    await eventually(lambda: refused_everywhere(gateway, other["access_token"]), timeout=5)
    refresh = await gateway.post("/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert refresh.status_code == 401
    assert await accepted_everywhere(gateway, account["access_token"])
    remaining = await gateway.get("/auth/sessions", headers=bearer(account["access_token"]))
    assert [d["user_agent"] for d in remaining.json()] == ["Device A"]

    # Someone else's session, or none, is a 404.
    stranger = await new_account(gateway)
    for session_id in (device_b["id"], str(uuid.uuid4())):
        response = await gateway.delete(
            f"/auth/sessions/{session_id}", headers=bearer(stranger["access_token"])
        )
        assert response.status_code == 404


async def auth_rows(platform: Stack) -> str:
    url = platform.database_url("auth").replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        rows = [
            await conn.fetchval(
                # Table names come from pg_tables, not from input.
                f"SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM \"{t[0]}\" t"  # noqa: S608
            )
            for t in tables
        ]
    finally:
        await conn.close()
    return "\n".join(rows)


async def test_y_link_tokens_are_stored_only_hashed_and_mail_only_encrypted(platform: Stack):
    """Runs after the tests above, which mailed links: no token, and no mail text, is in
    any auth table in clear (email_token keeps SHA-256, mail_message a sealed body)."""
    assert len(LINK_TOKENS) >= 8
    rows = await auth_rows(platform)
    leaked = [token[:6] + "…" for token in LINK_TOKENS if token in rows]
    assert not leaked, f"link tokens in the auth database: {leaked}"
    # Nor any words of a mail, subjects included.
    for words in ("Confirm your email", "Reset your password", "reset-password?token"):
        assert words not in rows


async def test_z_no_link_token_reached_any_log(platform: Stack):
    logs = {path.name: path.read_text() for path in (platform.dir / "logs").iterdir()}
    assert "mail.log" in logs and "auth.log" in logs
    for name, text in logs.items():
        leaked = [token[:6] + "…" for token in LINK_TOKENS if token in text]
        assert not leaked, f"{name} contains link tokens: {leaked}"
