"""Fills in the blurhash of images stored before media computed one at upload.

A background loop on every replica: a batch at a time, rows taken with SKIP LOCKED (the
replicas share the work), each hash read off the stored small thumbnail on the image
pool. It walks ids in order from where it was, so an image whose thumbnail is missing
(the sweeper's business) is passed over instead of holding the walk up; once the walk
reaches the end it starts again after a pause, and finds nothing left after a deploy's
first minutes.
"""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import transaction
from common.loops import BackgroundLoop
from media.config import Settings
from media.images import repository
from media.images.processing import blurhash_of
from media.storage import ObjectStore, StoredObject

logger = logging.getLogger(__name__)

BATCH = 50
# Between two walks over the table (after a deploy the first walk does all the work).
PAUSE_SECONDS = 300.0


def _read_and_hash(stored: StoredObject) -> str:
    try:
        return blurhash_of(b"".join(stored.chunks()))
    finally:
        stored.close()


class BlurhashBackfill:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        objects: ObjectStore,
        pool: ThreadPoolExecutor,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.objects = objects
        self.pool = pool
        self.after: uuid.UUID | None = None

    async def step(self) -> bool:
        """One batch; True while there may be more."""
        async with transaction(self.sessionmaker) as session:
            batch = await repository.without_blurhash(session, after=self.after, limit=BATCH)
            hashes: dict[uuid.UUID, str] = {}
            for media_id, thumbnail_key in batch:
                stored = await self.objects.open(thumbnail_key)
                if stored is None:
                    continue
                loop = asyncio.get_running_loop()
                try:
                    hashes[media_id] = await loop.run_in_executor(self.pool, _read_and_hash, stored)
                except (OSError, ValueError, SyntaxError):
                    logger.warning("no blurhash for an unreadable thumbnail: %s", media_id)
            await repository.set_blurhashes(session, hashes)
        self.after = batch[-1][0] if len(batch) == BATCH else None
        return self.after is not None


@asynccontextmanager
async def blurhash_backfill(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """Lifespan part: the backfill, starting a little after startup."""
    backfill = BlurhashBackfill(app.state.sessionmaker, app.state.objects, app.state.image_pool)
    async with BackgroundLoop(
        "media blurhash backfill",
        backfill.step,
        interval_seconds=PAUSE_SECONDS,
        first_run_after=settings.blurhash_backfill_delay_seconds,
    ):
        yield
