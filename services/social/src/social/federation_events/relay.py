"""The federation outbox relay: a background task of each replica that sends the events
whose commit could not (federation down or slow), with back-off.

Replicas share the table: each takes due rows with FOR UPDATE SKIP LOCKED, oldest first,
so an event is sent by one replica at a time; sending one twice is harmless (federation
dedupes by event id).
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import transaction
from common.errors import ApiError
from common.loops import BackgroundLoop
from social.clients.federation import FederationClient
from social.config import Settings
from social.federation_events import repository
from social.federation_events.service import Outbox, enable, wire

logger = logging.getLogger(__name__)

# Events per request to federation (and per transaction here).
BATCH = 100
# 2**20 times any sensible base is far past the cap: keeps the arithmetic small.
MAX_DOUBLINGS = 20


class FederationRelay:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: FederationClient,
        retry_base_seconds: float,
        retry_max_seconds: float,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.client = client
        self.retry_base_seconds = retry_base_seconds
        self.retry_max_seconds = retry_max_seconds

    async def relay_batch(self) -> bool:
        """Send the due events this replica could lock; True when it took a full batch."""
        async with transaction(self.sessionmaker) as session:
            due = await repository.lock_due(session, limit=BATCH)
            if not due:
                return False
            try:
                await self.client.send_events([wire(event) for event in due])
            except ApiError as exc:
                delay = self.backoff(due[0].attempts)
                logger.warning(
                    "federation events not taken (%s), next try in %.0f s",
                    exc.code,
                    delay.total_seconds(),
                    extra={"events": len(due), "attempts": due[0].attempts + 1},
                )
                await repository.postpone(session, due, delay=delay)
                return False
            await repository.remove(session, [event.id for event in due])
        return len(due) == BATCH

    def backoff(self, attempts: int) -> timedelta:
        seconds = self.retry_base_seconds * 2 ** min(attempts, MAX_DOUBLINGS)
        return timedelta(seconds=min(seconds, self.retry_max_seconds))


@asynccontextmanager
async def federation_outbox(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """Lifespan part: with federation on (`app.state.federation`), every session writes
    events and the relay runs as a task for the app's lifetime; off, nothing happens."""
    client: FederationClient | None = app.state.federation
    if client is None:
        yield
        return
    first_retry_after = timedelta(seconds=settings.federation_retry_base_seconds)
    enable(app.state.sessionmaker, Outbox(client, first_retry_after))
    relay = FederationRelay(
        sessionmaker=app.state.sessionmaker,
        client=client,
        retry_base_seconds=settings.federation_retry_base_seconds,
        retry_max_seconds=settings.federation_retry_max_seconds,
    )
    async with BackgroundLoop(
        "federation outbox relay",
        relay.relay_batch,
        interval_seconds=settings.federation_relay_interval_seconds,
    ):
        yield
