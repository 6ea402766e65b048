"""Proving an address and recovering an account: verification links, password reset,
password change and email change.

Every mail goes through auth.mail's outbox, in the transaction of the change it is about.
Links carry single-use tokens kept only as SHA-256 (auth.users.email_tokens).
"""

import json
import logging
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.config import Settings
from auth.credentials import repository
from auth.credentials.models import PasswordResetRequest
from auth.credentials.throttle import MailThrottle, TooManyMails
from auth.crypto import InvalidToken, SecretBox
from auth.mail.service import queue_mail
from auth.mail.templates import MailKind
from auth.sessions.revocations import TokenRevoker
from auth.sessions.service import revoke_all_sessions, revoke_other_sessions
from auth.users import repository as users
from auth.users.email_tokens import mail_token, spend_token
from auth.users.models import EmailTokenPurpose, User
from auth.users.passwords import hash_password, verify_password
from common.db import transaction
from common.errors import ApiError, Conflict, Forbidden

logger = logging.getLogger(__name__)

RESET_BATCH = 20


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
    *, session: AsyncSession, box: SecretBox, throttle: MailThrottle, email: str, language: str
) -> None:
    """Ask for a reset of the account at `email`, answered by `answer_reset_requests`. The
    caller learns nothing: the answer is the same, and so is the work (one sealed row),
    whether or not the address has an account."""
    if not await throttle.allow_address(email):
        return
    sealed = box.encrypt(json.dumps({"email": email, "language": language}))
    await repository.add_reset_request(session, PasswordResetRequest(sealed=sealed))


async def answer_reset_requests(
    *, sessionmaker: async_sessionmaker[AsyncSession], box: SecretBox, settings: Settings
) -> bool:
    """One loop step: mail each waiting request's address a reset link if it has an
    account, and otherwise that no account uses it; True when the batch was full."""
    async with transaction(sessionmaker) as session:
        requests = await repository.claim_reset_requests(session, limit=RESET_BATCH)
        for request in requests:
            try:
                asked = json.loads(box.decrypt(request.sealed))
            except InvalidToken:
                logger.warning("a reset request sealed with a key no longer configured: dropped")
            else:
                await _answer_reset(
                    session=session, box=box, settings=settings, email=asked["email"],
                    language=asked["language"],
                )  # fmt: skip
            await repository.remove(session, request)
    return len(requests) == RESET_BATCH


async def _answer_reset(
    *, session: AsyncSession, box: SecretBox, settings: Settings, email: str, language: str
) -> None:
    user = await users.get_by_email(session, email)
    if user is not None:
        await mail_token(
            session=session,
            box=box,
            settings=settings,
            user=user,
            purpose=EmailTokenPurpose.RESET_PASSWORD,
            email=email,
        )
        return
    await queue_mail(
        session=session,
        box=box,
        to=email,
        kind=MailKind.NO_ACCOUNT,
        language=language,
        username="",
        email=email,
        link=f"{settings.frontend_url.rstrip('/')}/signup",
    )


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
