"""Live analysis changes for GET /api/ig/analyses/{id}/events.

Whoever changes an analysis (the worker's steps, the API's cancel) publishes its id on one
Redis channel after the commit. Each API process subscribes once and wakes only the
streams open on that id, which then read the analysis again: one short read per change
per watcher, never a poll per client. A stream also reads again after a quiet
`events_keepalive_seconds` and then sends an SSE comment, which keeps proxies from timing
the stream out and covers a message lost while Redis was away.
"""

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from fastapi import FastAPI
from fastapi.sse import ServerSentEvent
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import transaction
from common.loops import BackgroundLoop, honour_lost_cancellation
from igscraper.analyses import repository
from igscraper.analyses.jobs import changes_channel
from igscraper.analyses.models import ACTIVE
from igscraper.analyses.schemas import AnalysisRead
from igscraper.analyses.service import describe_analysis
from igscraper.config import Settings

logger = logging.getLogger(__name__)

# Below the Redis client's read timeout (common.redis), which a quiet channel must not hit.
POLL_SECONDS = 1.0
# Tells EventSource how soon to reconnect after a dropped connection (milliseconds).
RECONNECT_MS = 2_000


class AnalysisChanges:
    """One Redis subscription per process, fanned out to the streams open in it."""

    def __init__(self, redis: Redis, channel: str) -> None:
        self.redis = redis
        self.channel = channel
        self._watchers: defaultdict[str, set[asyncio.Event]] = defaultdict(set)

    @contextmanager
    def watch(self, analysis_id: uuid.UUID) -> Iterator[asyncio.Event]:
        """An event set whenever the analysis may have changed."""
        key, changed = str(analysis_id), asyncio.Event()
        self._watchers[key].add(changed)
        try:
            yield changed
        finally:
            self._watchers[key].discard(changed)
            if not self._watchers[key]:
                del self._watchers[key]

    def _wake(self, key: str | None = None) -> None:
        watchers = self._watchers.values() if key is None else [self._watchers.get(key, set())]
        for events in watchers:
            for changed in events:
                changed.set()

    async def listen(self) -> None:
        """Relay the channel's messages until the connection fails (the loop resubscribes)."""
        async with self.redis.pubsub() as pubsub:
            await pubsub.subscribe(self.channel)
            # Whatever was announced while unsubscribed is looked at now.
            self._wake()
            while True:
                # This step never returns to its loop's check: it honours a lost
                # cancellation itself (common.loops.honour_lost_cancellation says why).
                honour_lost_cancellation()
                # Short waits, not listen(): the client's read timeout would end a quiet
                # subscription with an error.
                message = await pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=POLL_SECONDS
                )
                if message is not None:
                    self._wake(message["data"])


@asynccontextmanager
async def analysis_changes(app: FastAPI, redis: Redis, settings: Settings) -> AsyncIterator[None]:
    """Lifespan part: the process's subscription, on `app.state.analysis_changes`."""
    changes = AnalysisChanges(redis, changes_channel(settings))
    app.state.analysis_changes = changes
    # listen() blocks on Redis itself: no pause between runs, back-off only on outages.
    async with BackgroundLoop("analysis changes", changes.listen, interval_seconds=0):
        yield


async def _read(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, analysis_id: uuid.UUID
) -> AnalysisRead | None:
    # A session per read: a stream may stay open for an hour, a pooled connection must not.
    async with transaction(sessionmaker) as session:
        analysis = await repository.get_analysis(session, analysis_id)
        if analysis is None:
            return None
        return await describe_analysis(session=session, settings=settings, analysis=analysis)


async def follow_analysis(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    changes: AnalysisChanges,
    analysis_id: uuid.UUID,
) -> AsyncIterator[ServerSentEvent]:
    """`progress` with the analysis whenever it changes, then `done` once it has ended;
    keep-alive comments in between. Ends quietly if the analysis is deleted meanwhile."""
    last: AnalysisRead | None = None
    with changes.watch(analysis_id) as changed:
        while True:
            # Cleared before the read: a change during the read wakes the next wait.
            changed.clear()
            current = await _read(sessionmaker, settings, analysis_id)
            if current is None:
                return
            if current != last:
                retry = RECONNECT_MS if last is None else None
                yield ServerSentEvent(event="progress", data=current, retry=retry)
                last = current
            if current.status not in ACTIVE:
                yield ServerSentEvent(event="done", data=current)
                return
            try:
                await asyncio.wait_for(changed.wait(), settings.events_keepalive_seconds)
            except TimeoutError:
                yield ServerSentEvent(comment="keep-alive")
