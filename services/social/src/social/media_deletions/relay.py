"""The media deletion outbox relay: a background task of each replica that retries the
media deletions a post delete could not finish, with back-off.

Replicas share the table: each takes due rows with FOR UPDATE SKIP LOCKED, so a row is
tried by one replica at a time, and a replica that dies mid-batch releases its rows with
its transaction. Deleting a media twice is harmless (media's 404 counts as done).
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
from social.clients.media import MediaClient
from social.config import Settings
from social.media_deletions import repository
from social.models import MediaDeletion

logger = logging.getLogger(__name__)

# Rows per transaction: each is one call to media made while its row is locked.
BATCH = 20
# 2**20 times any sensible base is far past the cap: keeps the arithmetic small.
MAX_DOUBLINGS = 20


class MediaDeletionRelay:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        media: MediaClient,
        retry_base_seconds: float,
        retry_max_seconds: float,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.media = media
        self.retry_base_seconds = retry_base_seconds
        self.retry_max_seconds = retry_max_seconds

    async def relay_batch(self) -> bool:
        """Try the due rows this replica could lock; True when it took a full batch."""
        async with transaction(self.sessionmaker) as session:
            due = await repository.lock_due(session, limit=BATCH)
            for deletion in due:
                await self.relay(session, deletion)
        return len(due) == BATCH

    async def relay(self, session: AsyncSession, deletion: MediaDeletion) -> None:
        media_id = deletion.media_id
        # A deduplicated upload can bring the same media back into a new post while its
        # deletion waits: then it is in use again and must stay.
        if not await repository.media_in_use(session, media_id):
            try:
                await self.media.delete_unused(media_id=media_id)
            except ApiError as exc:
                delay = self.backoff(deletion.attempts)
                logger.warning(
                    "media deletion failed (%s), next try in %.0f s",
                    exc.code,
                    delay.total_seconds(),
                    extra={"media_id": str(media_id), "attempts": deletion.attempts + 1},
                )
                await repository.postpone(session, deletion, delay=delay)
                return
        await repository.remove(session, media_id=media_id)

    def backoff(self, attempts: int) -> timedelta:
        seconds = self.retry_base_seconds * 2 ** min(attempts, MAX_DOUBLINGS)
        return timedelta(seconds=min(seconds, self.retry_max_seconds))


@asynccontextmanager
async def media_deletion_relay(
    app: FastAPI, settings: Settings
) -> AsyncIterator[MediaDeletionRelay]:
    """Lifespan part: the relay runs as a task for the app's lifetime."""
    relay = MediaDeletionRelay(
        sessionmaker=app.state.sessionmaker,
        media=app.state.media,
        retry_base_seconds=settings.media_deletion_retry_base_seconds,
        retry_max_seconds=settings.media_deletion_retry_max_seconds,
    )
    # A failed batch leaves its rows in the table: they are tried again next round.
    async with BackgroundLoop(
        "media deletion relay",
        relay.relay_batch,
        interval_seconds=settings.media_deletion_relay_interval_seconds,
    ):
        yield relay
