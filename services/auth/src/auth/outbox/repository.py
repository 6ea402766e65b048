"""SQL for the outbox."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.outbox.models import OutboxEvent


async def add(session: AsyncSession, event: OutboxEvent) -> None:
    session.add(event)
    await session.flush()


async def claim_pending(session: AsyncSession, *, limit: int) -> list[OutboxEvent]:
    """Oldest unpublished events, locked; rows another replica holds are skipped."""
    result = await session.execute(
        select(OutboxEvent)
        .where(OutboxEvent.published_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(result.scalars())


async def mark_published(session: AsyncSession, events: list[OutboxEvent], *, at: datetime) -> None:
    await session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id.in_([event.id for event in events]))
        .values(published_at=at)
    )
