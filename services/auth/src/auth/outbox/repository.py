"""SQL for the outbox."""

import uuid
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.outbox.models import TOKENS_REVOKED, OutboxEvent


async def add(session: AsyncSession, event: OutboxEvent) -> None:
    session.add(event)
    await session.flush()


async def claim_pending(
    session: AsyncSession, *, limit: int, revocations: bool = False
) -> list[OutboxEvent]:
    """Oldest unpublished events, locked; rows another replica holds are skipped. The
    revocations' relay takes theirs, the users stream's relay every other."""
    kind = OutboxEvent.type == TOKENS_REVOKED
    result = await session.execute(
        select(OutboxEvent)
        .where(OutboxEvent.published_at.is_(None), kind if revocations else ~kind)
        .order_by(OutboxEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(result.scalars())


async def mark_published(
    session: AsyncSession,
    events: list[OutboxEvent],
    stream_ids: list[str | None],
    *,
    at: datetime,
) -> None:
    for event, stream_id in zip(events, stream_ids, strict=True):
        event.published_at = at
        event.stream_id = stream_id
    await session.flush()


async def forget_user(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    """Delete the user's events; returns the stream entries they became."""
    deleted = await session.scalars(
        delete(OutboxEvent)
        .where(OutboxEvent.payload["user_id"].astext == str(user_id))
        .returning(OutboxEvent.stream_id)
    )
    return [stream_id for stream_id in deleted if stream_id]
