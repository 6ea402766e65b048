"""Tokens mailed in links (verify an address, reset a password): 256 random bits, stored
only as their SHA-256, single use, short lived; and the mail that carries them."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from auth.config import Settings
from auth.crypto import SecretBox
from auth.mail.service import queue_mail
from auth.mail.templates import MailKind
from auth.users import repository
from auth.users.models import EmailToken, EmailTokenPurpose, User

# Where each link lands: screens of the web app, which post the token to the API.
LINK_PATHS = {
    EmailTokenPurpose.VERIFY_EMAIL: "/verify-email",
    EmailTokenPurpose.RESET_PASSWORD: "/reset-password",
}


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _link(settings: Settings, purpose: EmailTokenPurpose, token: str) -> str:
    return f"{settings.frontend_url.rstrip('/')}{LINK_PATHS[purpose]}?{urlencode({'token': token})}"


async def mail_token(
    *,
    session: AsyncSession,
    box: SecretBox,
    settings: Settings,
    user: User,
    purpose: EmailTokenPurpose,
    email: str,
) -> None:
    """Mail `email` a new link for `purpose`, spending the user's older links for it."""
    now = datetime.now(UTC)
    ttl = (
        settings.reset_token_ttl_seconds
        if purpose is EmailTokenPurpose.RESET_PASSWORD
        else settings.verify_token_ttl_seconds
    )
    await repository.spend_email_tokens(session, user.id, purpose, at=now)
    token = secrets.token_urlsafe(32)
    await repository.add_email_token(
        session,
        EmailToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token),
            email=email,
            expires_at=now + timedelta(seconds=ttl),
        ),
    )
    kind = (
        MailKind.RESET_PASSWORD
        if purpose is EmailTokenPurpose.RESET_PASSWORD
        else MailKind.VERIFY_EMAIL
    )
    await queue_mail(
        session=session,
        box=box,
        to=email,
        kind=kind,
        language=user.language,
        username=user.username,
        email=email,
        link=_link(settings, purpose, token),
    )


async def spend_token(
    *, session: AsyncSession, token: str, purpose: EmailTokenPurpose
) -> EmailToken | None:
    """The token's row, now spent; None when it is unknown, spent, expired or for another
    purpose."""
    now = datetime.now(UTC)
    row = await repository.get_email_token_for_update(session, hash_token(token))
    if row is None or row.purpose != purpose or row.used_at is not None or row.expires_at <= now:
        return None
    row.used_at = now
    return row
