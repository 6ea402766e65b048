"""SQL for refresh tokens and app tokens."""

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from auth.sessions.models import AppToken, RefreshToken


async def add(session: AsyncSession, token: RefreshToken | AppToken) -> None:
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


async def revoke_user(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    at: datetime,
    except_family: uuid.UUID | None = None,
) -> set[uuid.UUID]:
    """Revoke the user's tokens (but `except_family`'s); returns the families it ended."""
    statement = update(RefreshToken).where(
        RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None)
    )
    if except_family is not None:
        statement = statement.where(RefreshToken.family_id != except_family)
    result = await session.execute(
        statement.values(revoked_at=at).returning(RefreshToken.family_id)
    )
    return set(result.scalars())


async def revoke_user_app_tokens(
    session: AsyncSession, user_id: uuid.UUID, *, at: datetime, app_id: uuid.UUID | None = None
) -> list[tuple[uuid.UUID, datetime]]:
    """Revoke the user's app tokens (of one app, or all); returns (id, expiry) of each."""
    statement = update(AppToken).where(AppToken.user_id == user_id, AppToken.revoked_at.is_(None))
    if app_id is not None:
        statement = statement.where(AppToken.app_id == app_id)
    result = await session.execute(
        statement.values(revoked_at=at).returning(AppToken.id, AppToken.expires_at)
    )
    return [(token_id, expires_at) for token_id, expires_at in result.all()]


async def revoke_app_token(
    session: AsyncSession, token_hash: bytes, *, at: datetime, app_id: uuid.UUID
) -> tuple[uuid.UUID, datetime] | None:
    """Revoke the live token with this hash if `app_id` owns it; its (id, expiry)."""
    result = await session.execute(
        update(AppToken)
        .where(
            AppToken.token_hash == token_hash,
            AppToken.app_id == app_id,
            AppToken.revoked_at.is_(None),
        )
        .values(revoked_at=at)
        .returning(AppToken.id, AppToken.expires_at)
    )
    row = result.one_or_none()
    return None if row is None else (row[0], row[1])


async def live_app_tokens(
    session: AsyncSession, user_id: uuid.UUID, *, now: datetime
) -> list[AppToken]:
    """The user's usable app tokens, newest first."""
    result = await session.execute(
        select(AppToken)
        .where(
            AppToken.user_id == user_id,
            AppToken.revoked_at.is_(None),
            AppToken.expires_at > now,
        )
        .order_by(AppToken.created_at.desc())
    )
    return list(result.scalars())


async def live_families(
    session: AsyncSession, user_id: uuid.UUID, *, now: datetime
) -> list[tuple[uuid.UUID, datetime, datetime, str | None]]:
    """The user's signed-in devices: per family with a usable token, when it signed in,
    when it was last used (its newest token), and its newest user agent; newest first."""
    usable = (
        RefreshToken.spent_at.is_(None)
        & RefreshToken.revoked_at.is_(None)
        & (RefreshToken.expires_at > now)
    )
    newest_agent = func.array_agg(
        aggregate_order_by(RefreshToken.user_agent, RefreshToken.created_at.desc())
    )[1]
    result = await session.execute(
        select(
            RefreshToken.family_id,
            func.min(RefreshToken.created_at),
            func.max(RefreshToken.created_at),
            newest_agent,
        )
        .where(RefreshToken.user_id == user_id)
        .group_by(RefreshToken.family_id)
        .having(func.count().filter(usable) > 0)
        .order_by(func.max(RefreshToken.created_at).desc())
    )
    return [(row[0], row[1], row[2], row[3]) for row in result.all()]


async def family_belongs_to(
    session: AsyncSession, family_id: uuid.UUID, user_id: uuid.UUID
) -> bool:
    result = await session.execute(
        select(RefreshToken.id)
        .where(RefreshToken.family_id == family_id, RefreshToken.user_id == user_id)
        .limit(1)
    )
    return result.first() is not None
