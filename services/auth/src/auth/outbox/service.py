"""User events for other services (social creates profiles from them; every service
deletes what it holds of a deleted user).

An event is written in the transaction that makes the change, so it exists exactly when
the change does; a background loop (`publish_pending`) then XADDs it to the users stream.
A crash between XADD and marking it published sends it twice, so consumers dedupe on the
entry's `event_id`.
"""

import logging
import uuid
from datetime import UTC, datetime

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.outbox import repository
from auth.outbox.models import OutboxEvent
from common.db import transaction

logger = logging.getLogger(__name__)

BATCH = 100


async def record_user_event(
    *, session: AsyncSession, type: str, user_id: uuid.UUID, username: str
) -> None:
    """Queue a user event in the caller's transaction."""
    payload = {
        "type": type,
        "user_id": str(user_id),
        "username": username,
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    await repository.add(session, OutboxEvent(type=type, payload=payload))


async def publish_pending(
    *, sessionmaker: async_sessionmaker[AsyncSession], redis: Redis, stream: str
) -> bool:
    """Send one batch of pending events to the stream (safe with several replicas);
    True when the batch was full, so more may be waiting."""
    async with transaction(sessionmaker) as session:
        events = await repository.claim_pending(session, limit=BATCH)
        if not events:
            return False
        async with redis.pipeline(transaction=False) as pipe:
            for event in events:
                fields: dict[FieldT, EncodableT] = {k: v for k, v in event.payload.items()}
                fields["event_id"] = str(event.id)
                pipe.xadd(stream, fields)
            stream_ids = await pipe.execute()
        await repository.mark_published(session, events, stream_ids, at=datetime.now(UTC))
    return len(events) == BATCH
