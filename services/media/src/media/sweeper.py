"""Reclaims what uploads and deletions can leave behind, on one replica at a time:

- objects no row points at (a crash between an upload's S3 writes and its commit, a failed
  delete after one);
- rows whose original object is gone (the bucket lost it): they would 404 and count
  against the owner's quota forever;
- pending media, uploaded for a post that never came to be (its request failed after the
  upload, or the post was refused), which nothing attached within the grace period.

The bucket and the table are walked side by side, both in the bucket's key order
(`media/{owner_id}/{media_id}/{variant}`, rows by `(owner_id, id)`), one page of each at a
time: memory stays bounded by the page size whatever the bucket holds, and each page
costs one query. Only what is older than the grace period is touched: an upload in flight
writes its objects before its row, and both are young.
"""

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import groupby

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import on_commit, transaction
from common.loops import BackgroundLoop
from media.config import Settings
from media.images import repository
from media.images.service import remove_objects
from media.quota import repository as quota
from media.storage import ListedObject, ObjectStore

logger = logging.getLogger(__name__)

PREFIX = "media/"
PAGE = 1000
# Rows and objects are (owner, media id) pairs in the walk's order.
Key = tuple[uuid.UUID, uuid.UUID]


@dataclass
class SweepReport:
    swept: bool = False  # False: another replica holds the sweep
    orphaned_objects: int = 0
    rows_without_objects: int = 0
    pending_reclaimed: int = 0


def _key_of(name: str) -> Key | None:
    parts = name.split("/")  # media/{owner_id}/{media_id}/{variant}
    try:
        return (uuid.UUID(parts[1]), uuid.UUID(parts[2])) if len(parts) == 4 else None
    except ValueError:
        return None


async def _object_groups(
    objects: ObjectStore, page: int
) -> AsyncIterator[tuple[Key, list[ListedObject]]]:
    """The bucket's media objects, page by page, grouped by the media they belong to."""
    after: str | None = None
    pending: tuple[Key, list[ListedObject]] | None = None
    while True:
        listed = await objects.list_page(PREFIX, start_after=after, limit=page)
        for key, group in groupby(listed, key=lambda o: _key_of(o.key)):
            if key is None:
                continue  # not a media object: none of ours to judge
            if pending is not None and pending[0] == key:
                pending[1].extend(group)  # a media's objects straddle two pages
                continue
            if pending is not None:
                yield pending
            pending = (key, list(group))
        if len(listed) < page:
            break
        after = listed[-1].key
    if pending is not None:
        yield pending


async def _rows(
    sessionmaker: async_sessionmaker[AsyncSession], page: int
) -> AsyncIterator[repository.SweptRow]:
    """Every media row in (owner_id, id) order, page by page, each page its own read."""
    after: Key | None = None
    while True:
        async with transaction(sessionmaker) as session:
            rows = await repository.rows_after(session, after=after, limit=page)
        for row in rows:
            yield row
        if len(rows) < page:
            return
        after = (rows[-1].owner_id, rows[-1].id)


@dataclass
class _Batches:
    """What the walk found to reclaim, flushed a page at a time."""

    sessionmaker: async_sessionmaker[AsyncSession]
    objects: ObjectStore
    cutoff: datetime
    page: int
    report: SweepReport
    orphan_keys: list[str] = field(default_factory=list)
    lost_rows: list[uuid.UUID] = field(default_factory=list)

    async def orphan(self, keys: list[str]) -> None:
        self.orphan_keys += keys
        if len(self.orphan_keys) >= self.page:
            await self.flush()

    async def lost(self, media_id: uuid.UUID) -> None:
        self.lost_rows.append(media_id)
        if len(self.lost_rows) >= self.page:
            await self.flush()

    async def flush(self) -> None:
        if self.orphan_keys:
            await self.objects.remove(self.orphan_keys)
            self.report.orphaned_objects += len(self.orphan_keys)
            self.orphan_keys = []
        if self.lost_rows:
            self.report.rows_without_objects += await _delete_rows(
                sessionmaker=self.sessionmaker,
                objects=self.objects,
                ids=self.lost_rows,
                cutoff=self.cutoff,
                pending_only=False,
            )
            self.lost_rows = []


async def _delete_rows(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    objects: ObjectStore,
    ids: list[uuid.UUID] | None,
    cutoff: datetime,
    pending_only: bool,
) -> int:
    """Delete rows created before `cutoff` (these ids, or pending ones), free their quota,
    and once that has committed, their objects. Returns how many went."""
    async with transaction(sessionmaker) as session:
        deleted = await repository.delete_old_rows(
            session, ids=ids, created_before=cutoff, pending_only=pending_only, limit=PAGE
        )
        for owner_id, size, count in _usage_by_owner(deleted):
            await quota.release(session, owner_id=owner_id, size=size, count=count)
        keys = [key for row in deleted for key in row.object_keys]
        on_commit(session, lambda: remove_objects(objects, keys))
    return len(deleted)


def _usage_by_owner(rows: list[repository.DeletedRow]) -> list[tuple[uuid.UUID, int, int]]:
    totals: dict[uuid.UUID, tuple[int, int]] = {}
    for row in rows:
        size, count = totals.get(row.owner_id, (0, 0))
        totals[row.owner_id] = (size + row.stored_bytes, count + 1)
    return [(owner, size, count) for owner, (size, count) in totals.items()]


async def sweep(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    objects: ObjectStore,
    grace: timedelta,
    page: int = PAGE,
) -> SweepReport:
    """One sweep of the bucket and the table, unless another replica is sweeping."""
    cutoff = datetime.now(UTC) - grace
    report = SweepReport()
    # The lock lives as long as this transaction: one replica sweeps, the others skip.
    async with transaction(sessionmaker) as lock:
        if not await repository.try_lock_sweep(lock):
            return report
        report.swept = True
        while count := await _delete_rows(
            sessionmaker=sessionmaker, objects=objects, ids=None, cutoff=cutoff, pending_only=True
        ):
            report.pending_reclaimed += count
        batches = _Batches(sessionmaker, objects, cutoff, page, report)
        await _merge(_object_groups(objects, page), _rows(sessionmaker, page), batches)
        await batches.flush()
    if report.orphaned_objects or report.rows_without_objects or report.pending_reclaimed:
        logger.info(
            "media swept",
            extra={
                "orphaned_objects": report.orphaned_objects,
                "rows_without_objects": report.rows_without_objects,
                "pending_reclaimed": report.pending_reclaimed,
            },
        )
    return report


async def _merge(
    groups: AsyncIterator[tuple[Key, list[ListedObject]]],
    rows: AsyncIterator[repository.SweptRow],
    batches: _Batches,
) -> None:
    """Walk both sorted streams once, like a merge join, judging what only one side has."""
    group = await anext(groups, None)
    row = await anext(rows, None)
    while group is not None or row is not None:
        row_key = (row.owner_id, row.id) if row is not None else None
        if group is not None and (row_key is None or group[0] < row_key):
            # Objects without a row: old ones are orphans.
            if all(o.last_modified < batches.cutoff for o in group[1]):
                await batches.orphan([o.key for o in group[1]])
            group = await anext(groups, None)
        elif row is not None and (group is None or (row_key is not None and row_key < group[0])):
            # A row without objects: the bucket lost them.
            if row.created_at < batches.cutoff:
                await batches.lost(row.id)
            row = await anext(rows, None)
        else:
            assert group is not None and row is not None
            if row.original_key not in {o.key for o in group[1]} and row.created_at < (
                batches.cutoff
            ):
                await batches.lost(row.id)  # its original is gone: it can only 404
            group, row = await anext(groups, None), await anext(rows, None)


@asynccontextmanager
async def orphan_sweeper(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """Lifespan part: sweeps every `sweep_interval_seconds`; replicas take turns."""

    async def run() -> None:
        await sweep(
            sessionmaker=app.state.sessionmaker,
            objects=app.state.objects,
            grace=timedelta(seconds=settings.orphan_grace_seconds),
        )

    async with BackgroundLoop(
        "media sweeper",
        run,
        interval_seconds=settings.sweep_interval_seconds,
        first_run_after=settings.sweep_interval_seconds,
    ):
        yield
