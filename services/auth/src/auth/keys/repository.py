"""SQL for signing keys."""

from datetime import datetime

from sqlalchemy import or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.keys.models import SigningKey

# Held for one transaction while a replica decides whether to create a key.
KEY_CREATION_LOCK = 2026112203


async def lock_key_creation(session: AsyncSession) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": KEY_CREATION_LOCK})


async def get_active(session: AsyncSession) -> SigningKey | None:
    result = await session.execute(
        select(SigningKey)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def list_published(session: AsyncSession, *, retired_after: datetime) -> list[SigningKey]:
    result = await session.execute(
        select(SigningKey)
        .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > retired_after))
        .order_by(SigningKey.created_at.desc())
    )
    return list(result.scalars())


async def retire_active(session: AsyncSession, *, at: datetime) -> None:
    await session.execute(
        update(SigningKey).where(SigningKey.retired_at.is_(None)).values(retired_at=at)
    )


async def add(session: AsyncSession, key: SigningKey) -> SigningKey:
    session.add(key)
    await session.flush()
    return key
