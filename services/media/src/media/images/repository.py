"""SQL for media rows."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.ids import UserId
from media.images.models import Media


async def get(session: AsyncSession, media_id: uuid.UUID) -> Media | None:
    return await session.get(Media, media_id)


async def get_by_sha256(session: AsyncSession, *, owner_id: UserId, sha256: str) -> Media | None:
    query = select(Media).where(Media.owner_id == owner_id, Media.sha256 == sha256)
    return await session.scalar(query)


async def get_by_source_url(
    session: AsyncSession, *, owner_id: UserId, source_url: str
) -> Media | None:
    query = select(Media).where(Media.owner_id == owner_id, Media.source_url == source_url)
    # One row but for a race: two fetches of a URL whose file changed in between keep
    # both images, and either is that URL's.
    return await session.scalar(query.limit(1))


async def insert_unless_duplicate(session: AsyncSession, values: dict[str, Any]) -> Media | None:
    """Insert the row, or nothing when the owner already has these bytes (a concurrent upload)."""
    statement = (
        insert(Media)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Media.owner_id, Media.sha256])
        .returning(Media)
    )
    return await session.scalar(statement)


async def attach(session: AsyncSession, media: Media) -> None:
    media.pending = False
    await session.flush()


async def show_in_post(session: AsyncSession, media: Media) -> None:
    media.pending = False
    media.signed_only = True
    await session.flush()


async def set_description(session: AsyncSession, media: Media, description: str) -> None:
    media.description = description
    await session.flush()


async def without_blurhash(
    session: AsyncSession, *, after: uuid.UUID | None, limit: int
) -> list[tuple[uuid.UUID, str]]:
    """(id, small thumbnail key) of up to `limit` media still without a blurhash after the
    id `after`, in id order, taken with SKIP LOCKED so replicas share the backfill."""
    query = select(Media.id, Media.thumb_small_key).where(Media.blurhash.is_(None))
    if after is not None:
        query = query.where(Media.id > after)
    rows = await session.execute(
        query.order_by(Media.id).limit(limit).with_for_update(skip_locked=True)
    )
    return [(media_id, key) for media_id, key in rows]


async def set_blurhashes(session: AsyncSession, hashes: dict[uuid.UUID, str]) -> None:
    for media_id, value in hashes.items():
        await session.execute(update(Media).where(Media.id == media_id).values(blurhash=value))


async def list_owned(
    session: AsyncSession, *, owner_id: UserId, before: uuid.UUID | None, limit: int
) -> list[Media]:
    """The owner's stored media (not uploads still pending), newest first, after the
    cursor's id; `limit` rows."""
    query = select(Media).where(Media.owner_id == owner_id, Media.pending.is_(False))
    if before is not None:
        query = query.where(Media.id < before)
    rows = await session.scalars(query.order_by(Media.id.desc()).limit(limit))
    return list(rows)


async def delete_row(session: AsyncSession, media: Media) -> None:
    await session.execute(delete(Media).where(Media.id == media.id))


# Any constant: only the sweeper takes this lock, inside the media database.
SWEEP_LOCK_KEY = 2026120201


async def try_lock_sweep(session: AsyncSession) -> bool:
    """The sweeper's turn, held until this transaction ends; False if another has it."""
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(SWEEP_LOCK_KEY))))


class SweptRow(NamedTuple):
    id: uuid.UUID
    owner_id: UserId
    created_at: datetime
    original_key: str


async def rows_after(
    session: AsyncSession, *, after: tuple[UserId, uuid.UUID] | None, limit: int
) -> Sequence[SweptRow]:
    """One page of rows in the bucket's key order, (owner_id, id), after `after`."""
    query = select(Media.id, Media.owner_id, Media.created_at, Media.original_key)
    if after is not None:
        query = query.where(tuple_(Media.owner_id, Media.id) > tuple_(*after))
    query = query.order_by(Media.owner_id, Media.id).limit(limit)
    return [SweptRow(*row) for row in await session.execute(query)]


class DeletedRow(NamedTuple):
    owner_id: UserId
    stored_bytes: int
    object_keys: list[str]


async def delete_old_rows(
    session: AsyncSession,
    *,
    ids: Sequence[uuid.UUID] | None,
    created_before: datetime,
    pending_only: bool,
    limit: int,
) -> list[DeletedRow]:
    """Delete up to `limit` rows created before `created_before`: these ids, or any
    pending ones. Rows another transaction holds are left for the next sweep."""
    chosen = select(Media.id).where(Media.created_at < created_before)
    if ids is not None:
        chosen = chosen.where(Media.id.in_(ids))
    if pending_only:
        chosen = chosen.where(Media.pending)
    chosen = chosen.limit(limit).with_for_update(skip_locked=True)
    deleted = await session.execute(
        delete(Media)
        .where(Media.id.in_(chosen.scalar_subquery()))
        .returning(
            Media.owner_id,
            Media.stored_bytes,
            Media.original_key,
            Media.thumb_small_key,
            Media.thumb_large_key,
        )
    )
    return [DeletedRow(owner, size, list(keys)) for owner, size, *keys in deleted]


async def delete_all_of(session: AsyncSession, owner_id: UserId) -> None:
    await session.execute(delete(Media).where(Media.owner_id == owner_id))
