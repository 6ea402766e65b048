"""What federation remembers only for a while, swept by a loop on every replica (a delete
is harmless twice): processed inbound activities, kept so a redelivery is recognised, and
handled social events, kept so the outbox relay's retry is recognised. Both tables grow
with every activity and event; without this they grow for ever. Also the keys of deleted
accounts, once their Delete has been delivered everywhere."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, exists
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import transaction
from common.loops import BackgroundLoop
from federation.config import Settings
from federation.delivery.models import Delivery
from federation.events.models import HandledEvent
from federation.inbox.models import InboundActivity
from federation.keys.models import ActorKey


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
            # A deleted account's key, once no delivery of its Delete is left to sign.
            await session.execute(
                delete(ActorKey).where(
                    ActorKey.retired_at.is_not(None),
                    ~exists().where(Delivery.signer == ActorKey.owner),
                )
            )
