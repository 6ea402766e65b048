"""Asks media for what a post shows of its images (size, blurhash) where social lacks it:
the images of posts made before albums, moved into post_image by a migration that could
not reach media's database. A background loop on every replica, a batch at a time (rows
taken with SKIP LOCKED), walking from where it was so that an image media cannot describe
yet (its blurhash is still being backfilled there) is passed over and tried again on the
next walk. Once every image is described it finds nothing, one query per walk.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import transaction
from common.errors import NotFound
from common.loops import BackgroundLoop
from social.clients.media import MediaClient, MediaInfo
from social.posts import repository

BATCH = 50
# Between two walks (media's blurhash backfill starts 30 s after its start).
PAUSE_SECONDS = 300.0


class ImageSync:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], media: MediaClient) -> None:
        self.sessionmaker = sessionmaker
        self.media = media
        self.after: tuple[uuid.UUID, int] | None = None

    async def step(self) -> bool:
        """One batch; True while there may be more."""
        async with transaction(self.sessionmaker) as session:
            batch = await repository.images_to_describe(session, after=self.after, limit=BATCH)
            described: dict[uuid.UUID, MediaInfo] = {}
            for media_id in dict.fromkeys(media_id for _, _, media_id in batch):
                try:
                    described[media_id] = await self.media.describe(media_id=media_id)
                except NotFound:
                    continue  # deleted in media: the post's delete is on its way
            await repository.describe_images(session, described)
        self.after = (batch[-1][0], batch[-1][1]) if len(batch) == BATCH else None
        return self.after is not None


@asynccontextmanager
async def image_sync(app: FastAPI) -> AsyncIterator[None]:
    """Lifespan part: the sync, starting a minute after startup."""
    sync = ImageSync(app.state.sessionmaker, app.state.media)
    async with BackgroundLoop(
        "post image sync", sync.step, interval_seconds=PAUSE_SECONDS, first_run_after=60.0
    ):
        yield
