"""Deleted users, remembered by id only and only while their access tokens can live.

An access token is a signed JWT that stays valid until it expires, even after its account
is deleted. Each service that creates data for a caller keeps the ids of deleted users
until those tokens have expired, and refuses them (401) meanwhile, so nothing of a deleted
user comes back. Then the id is forgotten too.
"""

from datetime import datetime, timedelta

from sqlalchemy import DateTime, String, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from common.errors import Unauthorized


class DeletedUserColumns:
    """Mixed into each service's `DeletedUser` model (table `deleted_user`)."""

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    forget_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


async def remember(
    session: AsyncSession, model: type[DeletedUserColumns], *, user_id: str, keep_for: timedelta
) -> None:
    await session.execute(
        insert(model)
        .values(user_id=user_id, forget_at=func.now() + keep_for)
        .on_conflict_do_nothing()
    )


async def is_deleted(
    session: AsyncSession, model: type[DeletedUserColumns], *, user_id: str
) -> bool:
    return await session.scalar(select(model.user_id).where(model.user_id == user_id)) is not None


async def refuse_deleted(
    session: AsyncSession, model: type[DeletedUserColumns], *, user_id: str
) -> None:
    """401 for a token of an account deleted within its tokens' lifetime."""
    if await is_deleted(session, model, user_id=user_id):
        raise Unauthorized("This account has been deleted", code="account_deleted")


async def forget_expired(session: AsyncSession, model: type[DeletedUserColumns]) -> None:
    await session.execute(delete(model).where(model.forget_at <= func.now()))
