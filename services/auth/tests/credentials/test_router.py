"""Verification links, password reset and change, email change: through the API, the
links read from the test servers' SMTP sink."""

import hashlib
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from auth.credentials.models import PasswordResetRequest
from auth.credentials.throttle import MailThrottle, TooManyMails
from auth.users.models import EmailToken
from common.db import transaction
from tests.e2e.mailbox import first_link, mails
from tests.support.polling import eventually

NEW_PASSWORD = "brand-new-pass-7"


async def link_in_mail(mail_dir: Path, to: str, subject: str, since: float) -> str:
    async def arrived() -> list:
        return [m for m in mails(mail_dir, to, since=since) if subject in str(m["Subject"])]

    found = await eventually(arrived, timeout=10)
    return first_link(found[-1])


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


async def test_forgot_is_202_either_way_and_the_reset_link_works_once(
    client, make_user, mail_dir, bearer, password
):
    account = await make_user()
    email = account["user"]["email"]
    unknown = await client.post("/auth/password/forgot", json={"email": "no-one@example.com"})
    since = time.time()
    known = await client.post("/auth/password/forgot", json={"email": email.upper()})
    assert (unknown.status_code, known.status_code) == (202, 202)
    assert unknown.json() == known.json() == {"ok": True}
    link = await link_in_mail(mail_dir, email, "Reset", since)

    reset = await client.post(
        "/auth/password/reset", json={"token": token_of(link), "password": NEW_PASSWORD}
    )
    assert reset.status_code == 200, reset.text
    again = await client.post(
        "/auth/password/reset", json={"token": token_of(link), "password": NEW_PASSWORD}
    )
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid_token"

    refresh = await client.post("/auth/refresh", json={"refresh_token": account["refresh_token"]})
    assert refresh.status_code == 401

    async def revoked() -> bool:
        me = await client.get("/auth/me", headers=bearer(account))
        return me.status_code == 401 and me.json()["error"]["code"] == "token_revoked"

    await eventually(revoked, timeout=5)
    old = await client.post("/auth/login", json={"username": email, "password": password})
    assert old.status_code == 401
    new = await client.post("/auth/login", json={"username": email, "password": NEW_PASSWORD})
    assert new.status_code == 200
    # The link reached the address: it counts as verified.
    assert new.json()["user"]["email_verified"] is True


async def test_an_expired_reset_link_is_invalid(client, auth_app, make_user, mail_dir):
    account = await make_user()
    email = account["user"]["email"]
    since = time.time()
    await client.post("/auth/password/forgot", json={"email": email})
    token = token_of(await link_in_mail(mail_dir, email, "Reset", since))
    digest = hashlib.sha256(token.encode()).digest()
    async with transaction(auth_app.state.sessionmaker) as session:
        await session.execute(
            update(EmailToken)
            .where(EmailToken.token_hash == digest)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    response = await client.post(
        "/auth/password/reset", json={"token": token, "password": NEW_PASSWORD}
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_token"


async def test_tokens_are_kept_only_as_sha256(client, auth_app, make_user, mail_dir):
    account = await make_user()
    email = account["user"]["email"]
    since = time.time()
    await client.post("/auth/password/forgot", json={"email": email})
    token = token_of(await link_in_mail(mail_dir, email, "Reset", since))
    async with transaction(auth_app.state.sessionmaker) as session:
        rows = list(await session.scalars(select(EmailToken).where(EmailToken.email == email)))
    assert hashlib.sha256(token.encode()).digest() in {row.token_hash for row in rows}
    assert all(token.encode() not in row.token_hash for row in rows)


async def test_forgot_is_throttled_per_address_silently(client, auth_app, make_user):
    account = await make_user()
    email = account["user"]["email"]
    limit = auth_app.state.settings.mail_max_per_address
    for _ in range(limit + 2):
        response = await client.post("/auth/password/forgot", json={"email": email})
        assert response.status_code == 202

    async def all_answered() -> bool:
        async with transaction(auth_app.state.sessionmaker) as session:
            return not await session.scalar(select(PasswordResetRequest.id).limit(1))

    # The requests are answered by a loop: once none waits, the links it mailed are counted.
    await eventually(all_answered, timeout=10)
    async with transaction(auth_app.state.sessionmaker) as session:
        rows = list(
            await session.scalars(
                select(EmailToken).where(
                    EmailToken.email == email, EmailToken.purpose == "reset_password"
                )
            )
        )
    assert len(rows) == limit


async def test_verification_link_verifies_once(client, make_user, mail_dir, bearer, unique):
    since = time.time()
    account = await make_user()
    email = account["user"]["email"]
    assert account["user"]["email_verified"] is False
    token = token_of(await link_in_mail(mail_dir, email, "Confirm", since))
    verified = await client.post("/auth/email/verify", json={"token": token})
    assert verified.status_code == 200
    assert verified.json() == {"email": email, "email_verified": True}
    assert (await client.get("/auth/me", headers=bearer(account))).json()["email_verified"]
    again = await client.post("/auth/email/verify", json={"token": token})
    assert again.status_code == 400
    resend = await client.post("/auth/email/resend", headers=bearer(account))
    assert resend.status_code == 409


async def test_password_change_ends_the_other_sessions_only(
    client, make_user, bearer, password, mail_dir
):
    account = await make_user()
    email = account["user"]["email"]
    other = await client.post("/auth/login", json={"username": email, "password": password})
    wrong = await client.post(
        "/auth/password/change",
        json={"current_password": "not-it-123", "new_password": NEW_PASSWORD},
        headers=bearer(account),
    )
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "wrong_password"
    weak = await client.post(
        "/auth/password/change",
        json={"current_password": password, "new_password": "lettersonly"},
        headers=bearer(account),
    )
    assert weak.status_code == 422
    since = time.time()
    changed = await client.post(
        "/auth/password/change",
        json={"current_password": password, "new_password": NEW_PASSWORD},
        headers=bearer(account),
    )
    assert changed.status_code == 200

    async def other_refused() -> bool:
        return (await client.get("/auth/me", headers=bearer(other.json()))).status_code == 401

    await eventually(other_refused, timeout=5)
    assert (await client.get("/auth/me", headers=bearer(account))).status_code == 200
    mine = await client.post("/auth/refresh", json={"refresh_token": account["refresh_token"]})
    assert mine.status_code == 200
    theirs = await client.post(
        "/auth/refresh", json={"refresh_token": other.json()["refresh_token"]}
    )
    assert theirs.status_code == 401

    async def told() -> list:
        return [m for m in mails(mail_dir, email, since=since) if "changed" in str(m["Subject"])]

    await eventually(told, timeout=10)


async def test_email_change_moves_the_account_once_confirmed(
    client, make_user, bearer, password, mail_dir, unique
):
    account = await make_user()
    old = account["user"]["email"]
    new = f"{unique('moved')}@example.com"
    taken = await client.post(
        "/auth/email/change",
        json={"new_email": (await make_user())["user"]["email"], "password": password},
        headers=bearer(account),
    )
    assert taken.status_code == 409
    wrong = await client.post(
        "/auth/email/change",
        json={"new_email": new, "password": "not-it-123"},
        headers=bearer(account),
    )
    assert wrong.status_code == 403
    since = time.time()
    response = await client.post(
        "/auth/email/change", json={"new_email": new, "password": password}, headers=bearer(account)
    )
    assert response.status_code == 202
    link = await link_in_mail(mail_dir, new, "Confirm", since)

    async def told() -> list:
        return [m for m in mails(mail_dir, old, since=since) if new in m.get_body().get_content()]

    await eventually(told, timeout=10)
    assert (await client.get("/auth/me", headers=bearer(account))).json()["email"] == old
    verified = await client.post("/auth/email/verify", json={"token": token_of(link)})
    assert verified.json() == {"email": new, "email_verified": True}
    me = (await client.get("/auth/me", headers=bearer(account))).json()
    assert (me["email"], me["email_verified"]) == (new, True)


async def test_mail_requests_are_limited_per_ip_with_a_429(auth_app, unique):
    settings = auth_app.state.settings.model_copy(
        update={"mail_max_per_ip": 2, "redis_prefix": f"{unique('throttle')}:"}
    )
    throttle = MailThrottle(auth_app.state.redis, settings)
    for _ in range(2):
        await throttle.check_ip("203.0.113.7")
    with pytest.raises(TooManyMails) as refused:
        await throttle.check_ip("203.0.113.7")
    assert refused.value.status == 429 and refused.value.headers is not None
    await throttle.check_ip("203.0.113.8")  # another client is not held back
