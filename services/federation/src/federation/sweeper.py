"""What federation remembers only for a while, swept by a loop on every replica (a delete
is harmless twice): processed inbound activities, kept so a redelivery is recognised, and
handled social events, kept so the outbox relay's retry is recognised. Both tables grow
with every activity and event; without this they grow for ever."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import transaction
from common.loops import BackgroundLoop
from federation.config import Settings
from federation.events.models import HandledEvent
from federation.inbox.models import InboundActivity


class Sweeper:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, settings: Settings
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings

    def loop(self) -> BackgroundLoop:
        return BackgroundLoop(
            "federation sweeper", self.step, interval_seconds=self.settings.sweep_interval_seconds
        )

    async def step(self) -> None:
        now = datetime.now(UTC)
        activities_before = now - timedelta(seconds=self.settings.inbox_retention_seconds)
        events_before = now - timedelta(seconds=self.settings.event_retention_seconds)
        async with transaction(self.sessionmaker) as session:
            await session.execute(
                delete(InboundActivity).where(InboundActivity.processed_at < activities_before)
            )
            await session.execute(
                delete(HandledEvent).where(HandledEvent.created_at < events_before)
            )
