"""Deletes objects that no row points at: what a crash between an upload's S3 writes and its
commit, or a failed delete after one, leaves behind."""

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.loops import BackgroundLoop
from media.config import Settings
from media.images import repository
from media.storage import ObjectStore

logger = logging.getLogger(__name__)


def _media_id(key: str) -> uuid.UUID | None:
    parts = key.split("/")  # media/{owner_id}/{media_id}/{variant}
    try:
        return uuid.UUID(parts[2]) if len(parts) == 4 else None
    except ValueError:
        return None


async def sweep_orphans(
    *, sessionmaker: async_sessionmaker[AsyncSession], objects: ObjectStore, grace: timedelta
) -> int:
    """Delete media objects older than `grace` whose row does not exist; returns how many."""
    # Only old objects: a young one may belong to an upload that has not committed yet.
    listed = await objects.list_modified_before("media/", datetime.now(UTC) - grace)
    by_id: dict[uuid.UUID, list[str]] = {}
    for obj in listed:
        media_id = _media_id(obj.object_name or "")
        if media_id is not None:
            by_id.setdefault(media_id, []).append(obj.object_name or "")
    if not by_id:
        return 0
    async with sessionmaker() as session:
        kept = await repository.existing_ids(session, set(by_id))
    orphans = [key for media_id, keys in by_id.items() if media_id not in kept for key in keys]
    if orphans:
        await objects.remove(orphans)
        logger.info("deleted %d orphaned objects", len(orphans))
    return len(orphans)


@asynccontextmanager
async def orphan_sweeper(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """Lifespan part: sweeps every `sweep_interval_seconds`. Replicas may sweep concurrently;
    deleting an already deleted object is harmless."""

    async def sweep() -> None:
        await sweep_orphans(
            sessionmaker=app.state.sessionmaker,
            objects=app.state.objects,
            grace=timedelta(seconds=settings.orphan_grace_seconds),
        )

    async with BackgroundLoop(
        "orphan sweeper",
        sweep,
        interval_seconds=settings.sweep_interval_seconds,
        first_run_after=settings.sweep_interval_seconds,
    ):
        yield
