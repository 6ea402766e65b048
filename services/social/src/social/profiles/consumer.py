"""auth's user events (Redis Stream) → profiles, in a background task of each replica.

Replicas share one consumer group, so each entry is handled by one of them. An entry is
acknowledged only after its profile change is committed; one a crashed replica left
pending is claimed by another after `users_claim_idle_ms`. Handling is an idempotent
upsert, so an entry seen twice changes nothing.
"""

import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime

from fastapi import FastAPI
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import transaction
from common.loops import BackgroundLoop
from social.config import Settings
from social.profiles import repository

logger = logging.getLogger(__name__)

EVENT_TYPES = {"user.registered", "user.renamed"}
READ_BLOCK_MS = 2_000
BATCH = 100


class UserEventsConsumer:
    def __init__(
        self,
        *,
        redis: Redis,
        sessionmaker: async_sessionmaker[AsyncSession],
        stream: str,
        group: str,
        claim_idle_ms: int,
    ) -> None:
        self.redis = redis
        self.sessionmaker = sessionmaker
        self.stream = stream
        self.group = group
        self.claim_idle_ms = claim_idle_ms
        self.group_ready = False
        self.consumer = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    async def ensure_group(self) -> None:
        # From id 0: a group created after users registered still gives them profiles.
        with suppress(ResponseError):  # BUSYGROUP: another replica made it first
            await self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)

    async def step(self) -> bool:
        """Take over stale entries, or read new ones (waiting up to READ_BLOCK_MS), and
        handle them. A failure loses nothing unacknowledged: it is read again."""
        if not self.group_ready:
            await self.ensure_group()
            self.group_ready = True
        try:
            await self.handle_batch(await self.next_batch())
        except Exception:
            # Redis may have come back empty (no persistence): make the group again.
            self.group_ready = False
            raise
        return True

    async def next_batch(self) -> list[tuple[str, dict[str, str]]]:
        # Our own pending entries first (a failed batch), then stale ones of dead replicas.
        for read in (self._own_pending, self._claim_stale):
            entries = await read()
            if entries:
                return entries
        response = await self.redis.xreadgroup(
            self.group, self.consumer, {self.stream: ">"}, count=BATCH, block=READ_BLOCK_MS
        )
        return response[0][1] if response else []

    async def _own_pending(self) -> list[tuple[str, dict[str, str]]]:
        response = await self.redis.xreadgroup(
            self.group, self.consumer, {self.stream: "0"}, count=BATCH
        )
        return [e for e in response[0][1] if e[1]] if response else []

    async def _claim_stale(self) -> list[tuple[str, dict[str, str]]]:
        _, entries, *_ = await self.redis.xautoclaim(
            self.stream, self.group, self.consumer, self.claim_idle_ms, count=BATCH
        )
        return [e for e in entries if e[1]]

    async def handle_batch(self, entries: list[tuple[str, dict[str, str]]]) -> None:
        for entry_id, fields in entries:
            await self.handle(entry_id, fields)

    async def handle(self, entry_id: str, fields: dict[str, str]) -> None:
        try:
            kind = fields["type"]
            user_id = uuid.UUID(fields["user_id"])
            username = fields["username"]
            occurred_at = datetime.fromisoformat(fields["occurred_at"])
        except (KeyError, ValueError):
            # A malformed entry will never parse: acknowledge it rather than block the group.
            logger.error("user events: malformed entry %s skipped", entry_id)
            await self.redis.xack(self.stream, self.group, entry_id)
            return
        if kind in EVENT_TYPES:
            async with transaction(self.sessionmaker) as session:
                await repository.upsert_identity(
                    session, user_id=user_id, username=username, asserted_at=occurred_at
                )
        await self.redis.xack(self.stream, self.group, entry_id)


@asynccontextmanager
async def user_events(app: FastAPI, settings: Settings) -> AsyncIterator[UserEventsConsumer]:
    """Lifespan part: the consumer runs as a task for the app's lifetime."""
    consumer = UserEventsConsumer(
        redis=app.state.redis,
        sessionmaker=app.state.sessionmaker,
        stream=settings.users_stream,
        group=settings.users_consumer_group,
        claim_idle_ms=settings.users_claim_idle_ms,
    )
    # The step blocks on Redis for new entries itself: no pause between steps.
    async with BackgroundLoop("user events consumer", consumer.step, interval_seconds=0):
        yield consumer
