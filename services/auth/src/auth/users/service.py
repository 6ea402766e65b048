"""Accounts: registration, password checks, profiles, and users made from social sign-ins."""

import re
import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth.config import Settings
from auth.crypto import SecretBox
from auth.mail.templates import language_of
from auth.outbox.service import record_user_event
from auth.users import repository
from auth.users.email_tokens import mail_token
from auth.users.models import EmailTokenPurpose, Identity, User
from auth.users.passwords import hash_password, needs_rehash, verify_password
from auth.users.schemas import AccountUpdate, ProfileUpdate, UserCreate
from common.errors import Conflict, NotFound
from common.events import USER_REGISTERED, USER_RENAMED


async def _flush_unique(session: AsyncSession, user: User) -> User:
    # Two registrations racing for one name: the unique index decides, not a 500.
    try:
        async with session.begin_nested():
            return await repository.add(session, user)
    except IntegrityError as exc:
        raise Conflict("Username or email is already taken", code="account_exists") from exc


async def register(
    *,
    session: AsyncSession,
    box: SecretBox,
    settings: Settings,
    data: UserCreate,
    accept_language: str | None,
) -> User:
    """Create a password account, announce it and mail a link to verify its address."""
    if await repository.username_taken(session, data.username):
        raise Conflict("Username is already taken", code="username_taken", field="username")
    if await repository.get_by_email(session, data.email):
        raise Conflict("Email is already registered", code="email_taken", field="email")
    user = User(
        username=data.username,
        email=data.email,
        password_hash=await hash_password(data.password.get_secret_value()),
        language=language_of(data.language or accept_language),
        identities=[],
    )
    await _flush_unique(session, user)
    await record_user_event(
        session=session, type=USER_REGISTERED, user_id=user.id, username=user.username
    )
    await mail_token(
        session=session,
        box=box,
        settings=settings,
        user=user,
        purpose=EmailTokenPurpose.VERIFY_EMAIL,
        email=data.email,
    )
    return user


async def authenticate(*, session: AsyncSession, login: str, password: str) -> User | None:
    """The user whose username or email and password match, else None (same cost either way)."""
    user = await repository.get_by_login(session, login)
    if not await verify_password(user.password_hash if user else None, password):
        return None
    assert user is not None and user.password_hash is not None
    if needs_rehash(user.password_hash):
        user.password_hash = await hash_password(password)
    return user


async def update_profile(*, session: AsyncSession, user: User, data: ProfileUpdate) -> User:
    """Record birthday and gender (which is the consent), and a new username if given."""
    user.birthday = data.birthday
    user.gender = data.gender
    user.consented_at = user.consented_at or datetime.now(UTC)
    renamed = data.username is not None and data.username != user.username
    if data.username is not None and renamed:
        if data.username.lower() != user.username.lower() and await repository.username_taken(
            session, data.username
        ):
            raise Conflict("Username is already taken", code="username_taken", field="username")
        user.username = data.username
    await _flush_unique(session, user)
    if renamed:
        await record_user_event(
            session=session, type=USER_RENAMED, user_id=user.id, username=user.username
        )
    return user


async def update_account(*, session: AsyncSession, user: User, data: AccountUpdate) -> User:
    """Change the language of the account's mail."""
    user.language = data.language
    await session.flush()
    return user


def _username_base(*candidates: str | None) -> str:
    for candidate in candidates:
        base = re.sub(r"[^A-Za-z0-9_.]", "", (candidate or "").split("@")[0])[:20]
        if len(base) >= 3:
            return base
    return "user"


async def create_social_user(*, session: AsyncSession, identity: Identity) -> User:
    """A new account for a first social sign-in, with a unique generated username."""
    base = _username_base(identity.profile.get("name"), identity.email)
    username = base
    while await repository.username_taken(session, username):
        username = f"{base}_{secrets.token_hex(3)}"
    # The email belongs to the identity; the account takes it only when the provider
    # verified it (an unverified address could be someone else's).
    user = User(
        username=username,
        email=identity.email if identity.email_verified else None,
        identities=[identity],
    )
    await _flush_unique(session, user)
    await record_user_event(
        session=session, type=USER_REGISTERED, user_id=user.id, username=user.username
    )
    return user


async def public_user(*, session: AsyncSession, user_id: uuid.UUID) -> User:
    """A user by id, for what anyone may know of them (404 when there is none)."""
    user = await repository.get(session, user_id)
    if user is None:
        raise NotFound("User not found", code="user_not_found")
    return user
