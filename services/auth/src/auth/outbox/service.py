"""User events for other services (social creates profiles from them).

An event is written in the transaction that makes the change, so it exists exactly when
the change does; `relay` then XADDs it to the users stream. A crash between XADD and
marking it published sends it twice, so consumers dedupe on the entry's `event_id`.
"""

import asyncio
import logging
from datetime import UTC, datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.outbox import repository
from auth.outbox.models import OutboxEvent
from auth.users.models import User

logger = logging.getLogger(__name__)

USER_REGISTERED = "user.registered"
USER_RENAMED = "user.renamed"
BATCH = 100


async def record_user_event(*, session: AsyncSession, type: str, user: User) -> None:
    """Queue a user event in the caller's transaction."""
    payload = {
        "type": type,
        "user_id": str(user.id),
        "username": user.username,
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    await repository.add(session, OutboxEvent(type=type, payload=payload))


async def publish_pending(
    *, sessionmaker: async_sessionmaker[AsyncSession], redis: Redis, stream: str
) -> int:
    """Send one batch of pending events to the stream; returns how many were sent."""
    async with sessionmaker() as session, session.begin():
        events = await repository.claim_pending(session, limit=BATCH)
        if not events:
            return 0
        async with redis.pipeline(transaction=False) as pipe:
            for event in events:
                pipe.xadd(stream, {**event.payload, "event_id": str(event.id)})
            await pipe.execute()
        await repository.mark_published(session, events, at=datetime.now(UTC))
    return len(events)


async def relay(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis: Redis,
    stream: str,
    poll_seconds: float,
) -> None:
    """Run until cancelled: drain the outbox, then poll. Safe with several replicas."""
    while True:
        try:
            sent = await publish_pending(sessionmaker=sessionmaker, redis=redis, stream=stream)
        except (RedisError, SQLAlchemyError, OSError) as exc:
            # Events stay pending and go out on a later pass.
            logger.warning("outbox relay failed: %s", type(exc).__name__)
            sent = 0
        if sent < BATCH:
            await asyncio.sleep(poll_seconds)
