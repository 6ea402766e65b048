"""SQL for users and identities."""

import uuid

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.users.models import Identity, User


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
