"""SQL for account deletions in progress."""

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from auth.deletions.models import AccountDeletion


async def add(session: AsyncSession, *, user_id: uuid.UUID, services: Sequence[str]) -> None:
    await session.execute(
        insert(AccountDeletion)
        .values([{"user_id": user_id, "service": service} for service in services])
        .on_conflict_do_nothing()
    )


async def states(
    session: AsyncSession, user_id: uuid.UUID, *, lock: bool = False
) -> dict[str, bool]:
    """service → done, for the user's deletion (empty when there is none); with `lock`,
    its rows stay locked (in one order) until the transaction ends."""
    query = (
        select(AccountDeletion.service, AccountDeletion.done_at.is_not(None))
        .where(AccountDeletion.user_id == user_id)
        .order_by(AccountDeletion.service)
    )
    rows = await session.execute(query.with_for_update() if lock else query)
    return {service: done for service, done in rows}


async def mark_done(session: AsyncSession, *, user_id: uuid.UUID, service: str) -> None:
    await session.execute(
        update(AccountDeletion)
        .where(AccountDeletion.user_id == user_id, AccountDeletion.service == service)
        .values(done_at=func.now())
    )


async def remove(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(delete(AccountDeletion).where(AccountDeletion.user_id == user_id))
