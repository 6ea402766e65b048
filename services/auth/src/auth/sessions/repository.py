"""SQL for refresh tokens."""

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.sessions.models import RefreshToken


async def add(session: AsyncSession, token: RefreshToken) -> None:
    session.add(token)
    await session.flush()


async def get_by_hash_for_update(session: AsyncSession, token_hash: bytes) -> RefreshToken | None:
    # Row-locked, so two requests presenting one token are decided one after the other.
    result = await session.execute(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    )
    return result.scalar_one_or_none()


async def get_usable(
    session: AsyncSession, token_hash: bytes, *, now: datetime
) -> RefreshToken | None:
    result = await session.execute(
        select(RefreshToken).where(
            RefreshToken.token_hash == token_hash,
            RefreshToken.spent_at.is_(None),
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
        )
    )
    return result.scalar_one_or_none()


async def revoke_family(session: AsyncSession, family_id: uuid.UUID, *, at: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )


async def revoke_user(session: AsyncSession, user_id: uuid.UUID, *, at: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )
