"""SQL for the per-user usage row. Reservations are one conditional UPDATE, so concurrent
uploads of one user queue on the row lock and the sum can never pass the limit."""

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.ids import UserId
from media.quota.models import MediaUsage


async def get(session: AsyncSession, owner_id: UserId) -> MediaUsage | None:
    return await session.get(MediaUsage, owner_id)


async def reserve(session: AsyncSession, *, owner_id: UserId, size: int, limit: int | None) -> bool:
    """Add `size` bytes and one item to the owner's usage if that stays within `limit`
    (None: whatever the usage, still counted)."""
    await session.execute(insert(MediaUsage).values(owner_id=owner_id).on_conflict_do_nothing())
    statement = update(MediaUsage).where(MediaUsage.owner_id == owner_id)
    if limit is not None:
        statement = statement.where(MediaUsage.used_bytes + size <= limit)
    reserved = await session.scalar(
        statement.values(
            used_bytes=MediaUsage.used_bytes + size, media_count=MediaUsage.media_count + 1
        ).returning(MediaUsage.used_bytes)
    )
    return reserved is not None


async def release(session: AsyncSession, *, owner_id: UserId, size: int, count: int = 1) -> None:
    """Give back `size` bytes and `count` items of the owner's usage."""
    await session.execute(
        update(MediaUsage)
        .where(MediaUsage.owner_id == owner_id)
        .values(used_bytes=MediaUsage.used_bytes - size, media_count=MediaUsage.media_count - count)
    )


async def delete_usage(session: AsyncSession, owner_id: UserId) -> None:
    await session.execute(delete(MediaUsage).where(MediaUsage.owner_id == owner_id))


async def used_bytes(session: AsyncSession, owner_id: UserId) -> int:
    used = await session.scalar(
        select(MediaUsage.used_bytes).where(MediaUsage.owner_id == owner_id)
    )
    return used or 0
