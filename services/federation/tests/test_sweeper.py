"""The sweeper forgets handled events and processed activities past their retention, and
nothing younger or still to do."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from common.db import transaction
from federation.events.models import HandledEvent
from federation.inbox.models import InboundActivity
from federation.sweeper import Sweeper


async def test_old_events_and_processed_activities_go(db, settings):
    now = datetime.now(UTC)
    old = now - timedelta(days=8)
    events = {"old": uuid.uuid4(), "recent": uuid.uuid4()}
    activities = {name: f"http://sweep.test/{uuid.uuid4()}" for name in ("done", "due", "recent")}
    async with transaction(db) as session:
        session.add(HandledEvent(id=events["old"], kind="post.created", created_at=old))
        session.add(HandledEvent(id=events["recent"], kind="post.created", created_at=now))
        for name, processed_at in (("done", old), ("due", None), ("recent", now)):
            session.add(
                InboundActivity(
                    activity_uri=activities[name],
                    actor_uri="http://sweep.test/users/x",
                    host="sweep.test",
                    activity={"type": "Like"},
                    received_at=old,
                    # Not due: the inbox loop leaves it to this test.
                    next_attempt_at=now + timedelta(hours=1),
                    processed_at=processed_at,
                )
            )
    await Sweeper(db, settings=settings).step()
    async with transaction(db) as session:
        kept_events = set(
            await session.scalars(
                select(HandledEvent.id).where(HandledEvent.id.in_(events.values()))
            )
        )
        kept = set(
            await session.scalars(
                select(InboundActivity.activity_uri).where(
                    InboundActivity.activity_uri.in_(activities.values())
                )
            )
        )
    assert kept_events == {events["recent"]}
    assert kept == {activities["due"], activities["recent"]}
