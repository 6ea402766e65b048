"""Redis Stream consumers: the one way a service reads another's events (auth's user
events, the services' deletion reports), in a background task of each replica.

Each service reads a stream in a consumer group of its own, so every service sees every
entry and its replicas share the work. An entry is acknowledged only once its handler
returned, so a service that was down or crashed reads what it missed when it is back;
one a dead replica read but never acknowledged is claimed by another after
`claim_idle_ms`. Handlers must be idempotent: an entry can be handled twice.
"""

import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from common.loops import BackgroundLoop

logger = logging.getLogger(__name__)

Entry = tuple[str, dict[str, str]]
Handler = Callable[[dict[str, str]], Awaitable[None]]
Tick = Callable[[], Awaitable[None]]

READ_BLOCK_MS = 2_000
BATCH = 100


# auth's user events, and each service's report that it applied a deletion.
USER_REGISTERED = "user.registered"
USER_RENAMED = "user.renamed"
USER_DELETED = "user.deleted"
USER_DELETION_DONE = "user.deletion_done"


class MalformedEvent(ValueError):
    """An entry that will never parse: acknowledged and skipped rather than retried."""


def event_user_id(fields: dict[str, str]) -> uuid.UUID:
    try:
        return uuid.UUID(fields["user_id"])
    except (KeyError, ValueError) as exc:
        raise MalformedEvent("no user_id") from exc


async def report_deletion_done(
    redis: Redis, stream: str, *, user_id: uuid.UUID, service: str
) -> None:
    """Tell auth this service holds nothing of the user any more. Sent after the deletion
    committed and before the user.deleted entry is acknowledged: a crash in between
    applies the (idempotent) deletion again and reports again."""
    await redis.xadd(
        stream, {"type": USER_DELETION_DONE, "user_id": str(user_id), "service": service}
    )


class StreamConsumer:
    def __init__(
        self,
        *,
        redis: Redis,
        stream: str,
        group: str,
        handle: Handler,
        claim_idle_ms: int = 60_000,
        discard: bool = False,
        tick: Tick | None = None,
    ) -> None:
        """`discard`: delete each entry once handled (this group is its only reader);
        `tick`: housekeeping run after each step, at least every READ_BLOCK_MS."""
        self.redis = redis
        self.stream = stream
        self.group = group
        self.handle = handle
        self.claim_idle_ms = claim_idle_ms
        self.discard = discard
        self.tick = tick
        self.group_ready = False
        self.consumer = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    async def ensure_group(self) -> None:
        # From id 0: a group created after events were published still gets them.
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
        if self.tick is not None:
            await self.tick()
        return True

    async def next_batch(self) -> list[Entry]:
        # Our own pending entries first (a failed batch), then stale ones of dead replicas.
        for read in (self._own_pending, self._claim_stale):
            entries = await read()
            if entries:
                return entries
        response = await self.redis.xreadgroup(
            self.group, self.consumer, {self.stream: ">"}, count=BATCH, block=READ_BLOCK_MS
        )
        return response[0][1] if response else []

    async def _own_pending(self) -> list[Entry]:
        response = await self.redis.xreadgroup(
            self.group, self.consumer, {self.stream: "0"}, count=BATCH
        )
        return await self._present(response[0][1] if response else [])

    async def _claim_stale(self) -> list[Entry]:
        _, entries, *_ = await self.redis.xautoclaim(
            self.stream, self.group, self.consumer, self.claim_idle_ms, count=BATCH
        )
        return await self._present(entries)

    async def _present(self, entries: list[Entry]) -> list[Entry]:
        """Pending entries deleted from the stream meanwhile come back empty: done with."""
        gone = [entry_id for entry_id, fields in entries if not fields]
        if gone:
            await self.redis.xack(self.stream, self.group, *gone)
        return [entry for entry in entries if entry[1]]

    async def handle_batch(self, entries: list[Entry]) -> None:
        for entry_id, fields in entries:
            try:
                await self.handle(fields)
            except MalformedEvent:
                logger.error("%s events: malformed entry %s skipped", self.stream, entry_id)
            await self.redis.xack(self.stream, self.group, entry_id)
            if self.discard:
                await self.redis.xdel(self.stream, entry_id)


@asynccontextmanager
async def consuming(consumer: StreamConsumer, name: str) -> AsyncIterator[StreamConsumer]:
    """Lifespan part: the consumer's steps run on a BackgroundLoop for the app's lifetime
    (the step blocks on Redis for new entries itself: no pause between steps)."""
    async with BackgroundLoop(name, consumer.step, interval_seconds=0):
        yield consumer
