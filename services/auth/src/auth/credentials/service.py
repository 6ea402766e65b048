"""Proving an address and recovering an account: verification links, password reset,
password change and email change.

Every mail goes through auth.mail's outbox, in the transaction of the change it is about.
Links carry single-use tokens kept only as SHA-256 (auth.users.email_tokens).
"""

import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from auth.config import Settings
from auth.credentials.throttle import MailThrottle, TooManyMails
from auth.crypto import SecretBox
from auth.mail.service import queue_mail
from auth.mail.templates import MailKind, render
from auth.sessions.revocations import TokenRevoker
from auth.sessions.service import revoke_all_sessions, revoke_other_sessions
from auth.users import repository as users
from auth.users.email_tokens import mail_token, spend_token
from auth.users.models import EmailTokenPurpose, User
from auth.users.passwords import hash_password, verify_password
from common.errors import ApiError, Conflict, Forbidden


class InvalidLinkToken(ApiError):
    status, code, message = 400, "invalid_token", "This link is spent, expired or unknown"


def _wrong_password() -> Forbidden:
    return Forbidden("The account's password is needed", code="wrong_password")


async def _address_free(session: AsyncSession, email: str, user: User) -> bool:
    holder = await users.get_by_email(session, email)
    return holder is None or holder.id == user.id


async def verify_email(*, session: AsyncSession, token: str) -> User:
    """Spend a verification link: its address becomes the account's, verified."""
    row = await spend_token(session=session, token=token, purpose=EmailTokenPurpose.VERIFY_EMAIL)
    user = await users.get(session, row.user_id) if row else None
    if row is None or user is None:
        raise InvalidLinkToken()
    if (user.email or "").lower() != row.email.lower():
        # An email change, confirmed: the address may have been taken meanwhile.
        if not await _address_free(session, row.email, user):
            raise Conflict("Email is already registered", code="email_taken", field="email")
        user.email = row.email
    user.email_verified_at = datetime.now(UTC)
    return user


async def resend_verification(
    *, session: AsyncSession, box: SecretBox, settings: Settings, throttle: MailThrottle, user: User
) -> None:
    """Mail a new verification link to the account's address (older links stop working)."""
    if user.email is None or user.email_verified:
        raise Conflict("There is no address to verify", code="nothing_to_verify")
    if not await throttle.allow_address(user.email):
        raise TooManyMails()
    await mail_token(
        session=session,
        box=box,
        settings=settings,
        user=user,
        purpose=EmailTokenPurpose.VERIFY_EMAIL,
        email=user.email,
    )


async def forgot_password(
    *, session: AsyncSession, box: SecretBox, settings: Settings, throttle: MailThrottle, email: str
) -> None:
    """Mail a reset link if the address has an account. The caller learns nothing: the
    answer is the same, and so is the work (a mail rendered and sealed either way; only
    the database writes differ), so the time does not tell either."""
    allowed = await throttle.allow_address(email)
    user = await users.get_by_email(session, email)
    if user is not None and allowed:
        await mail_token(
            session=session,
            box=box,
            settings=settings,
            user=user,
            purpose=EmailTokenPurpose.RESET_PASSWORD,
            email=email,
        )
        return
    # The same rendering and sealing as a real mail, thrown away.
    rendered = render(
        MailKind.RESET_PASSWORD, language="en", username="", link=secrets.token_urlsafe(32)
    )
    box.encrypt(rendered.html + rendered.text)


async def reset_password(
    *, session: AsyncSession, revoker: TokenRevoker, token: str, password: str
) -> None:
    """Spend a reset link: a new password, and every session of the account ends."""
    row = await spend_token(session=session, token=token, purpose=EmailTokenPurpose.RESET_PASSWORD)
    user = await users.get(session, row.user_id) if row else None
    if row is None or user is None:
        raise InvalidLinkToken()
    user.password_hash = await hash_password(password)
    if (user.email or "").lower() == row.email.lower() and user.email_verified_at is None:
        user.email_verified_at = datetime.now(UTC)  # the link reached this address
    await revoke_all_sessions(session=session, revoker=revoker, user_id=user.id)


async def change_password(
    *,
    session: AsyncSession,
    box: SecretBox,
    revoker: TokenRevoker,
    user: User,
    current_session: uuid.UUID | None,
    current_password: str,
    new_password: str,
) -> None:
    """A new password, proven by the current one; every other device is signed out and
    the owner is told by mail."""
    if user.password_hash is None or not await verify_password(
        user.password_hash, current_password
    ):
        raise _wrong_password()
    user.password_hash = await hash_password(new_password)
    await revoke_other_sessions(
        session=session, revoker=revoker, user_id=user.id, current=current_session
    )
    if user.email is not None:
        await queue_mail(
            session=session,
            box=box,
            to=user.email,
            kind=MailKind.PASSWORD_CHANGED,
            language=user.language,
            username=user.username,
        )


async def change_email(
    *,
    session: AsyncSession,
    box: SecretBox,
    settings: Settings,
    throttle: MailThrottle,
    user: User,
    new_email: str,
    password: str,
) -> None:
    """Mail a link to the new address (it becomes the account's once followed) and tell
    the old one."""
    if user.password_hash is None or not await verify_password(user.password_hash, password):
        raise _wrong_password()
    if not await _address_free(session, new_email, user):
        raise Conflict("Email is already registered", code="email_taken", field="new_email")
    if not await throttle.allow_address(new_email):
        raise TooManyMails()
    await mail_token(
        session=session,
        box=box,
        settings=settings,
        user=user,
        purpose=EmailTokenPurpose.VERIFY_EMAIL,
        email=new_email,
    )
    if user.email is not None and user.email.lower() != new_email.lower():
        await queue_mail(
            session=session,
            box=box,
            to=user.email,
            kind=MailKind.EMAIL_CHANGING,
            language=user.language,
            username=user.username,
            email=new_email,
        )
