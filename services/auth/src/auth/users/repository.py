"""SQL for users and identities."""

import uuid
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.users.models import EmailToken, EmailTokenPurpose, Identity, User


async def get(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_by_login(session: AsyncSession, login: str) -> User | None:
    """By username or email, case-insensitively."""
    login = login.lower()
    result = await session.execute(
        select(User).where(or_(func.lower(User.username) == login, func.lower(User.email) == login))
    )
    return result.scalars().first()


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    result = await session.execute(select(User).where(func.lower(User.email) == email.lower()))
    return result.scalar_one_or_none()


async def username_taken(session: AsyncSession, username: str) -> bool:
    result = await session.execute(
        select(User.id).where(func.lower(User.username) == username.lower())
    )
    return result.first() is not None


async def add(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user


async def delete(session: AsyncSession, user: User) -> None:
    await session.delete(user)
    await session.flush()


async def get_identity(session: AsyncSession, provider: str, subject: str) -> Identity | None:
    result = await session.execute(
        select(Identity).where(Identity.provider == provider, Identity.subject == subject)
    )
    return result.scalar_one_or_none()


async def verified_identity_email_taken(session: AsyncSession, email: str) -> bool:
    """Whether an identity whose provider verified this address holds it."""
    result = await session.execute(
        select(Identity.id)
        .where(func.lower(Identity.email) == email.lower(), Identity.email_verified.is_(True))
        .limit(1)
    )
    return result.first() is not None


async def add_email_token(session: AsyncSession, token: EmailToken) -> None:
    session.add(token)
    await session.flush()


async def get_email_token_for_update(session: AsyncSession, token_hash: bytes) -> EmailToken | None:
    # Row-locked: a link opened twice at once is spent once.
    result = await session.execute(
        select(EmailToken).where(EmailToken.token_hash == token_hash).with_for_update()
    )
    return result.scalar_one_or_none()


async def spend_email_tokens(
    session: AsyncSession, user_id: uuid.UUID, purpose: EmailTokenPurpose, *, at: datetime
) -> None:
    """Spend every unused token of this purpose: the newest link replaces older ones."""
    await session.execute(
        update(EmailToken)
        .where(
            EmailToken.user_id == user_id,
            EmailToken.purpose == purpose,
            EmailToken.used_at.is_(None),
        )
        .values(used_at=at)
    )
