"""Federation outbox SQL, and what an event names of the people in it. Times come from the
database clock, the one all replicas share."""

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from social.models import FederationEvent, Follow, FollowRequest, Profile


async def add(
    session: AsyncSession, *, kind: str, payload: dict[str, Any], delay: timedelta
) -> FederationEvent:
    """Queue an event, first retried by the relay after `delay`."""
    event = FederationEvent(kind=kind, payload=payload, next_attempt_at=func.now() + delay)
    session.add(event)
    await session.flush()
    return event


async def remove(session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
    await session.execute(delete(FederationEvent).where(FederationEvent.id.in_(ids)))


async def lock_due(session: AsyncSession, *, limit: int) -> Sequence[FederationEvent]:
    """Due events no other replica holds, oldest first, locked until this transaction ends."""
    return (
        await session.scalars(
            select(FederationEvent)
            .where(FederationEvent.next_attempt_at <= func.now())
            .order_by(FederationEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()


async def postpone(
    session: AsyncSession, events: Sequence[FederationEvent], *, delay: timedelta
) -> None:
    for event in events:
        event.attempts += 1
        event.next_attempt_at = func.now() + delay
    await session.flush()


async def remote_followers(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    """The actors of the user's remote followers."""
    uris = await session.scalars(
        select(Profile.actor_uri)
        .join(Follow, Follow.follower_id == Profile.id)
        .where(Follow.followee_id == user_id, Profile.actor_uri.is_not(None))
    )
    return [uri for uri in uris if uri is not None]


async def remote_requesters(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    """The actors of the remote accounts waiting for the user's approval."""
    uris = await session.scalars(
        select(Profile.actor_uri)
        .join(FollowRequest, FollowRequest.requester_id == Profile.id)
        .where(FollowRequest.target_id == user_id, Profile.actor_uri.is_not(None))
    )
    return [uri for uri in uris if uri is not None]
