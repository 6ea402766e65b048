"""SQL for media rows."""

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from media.images.models import Media


async def get(session: AsyncSession, media_id: uuid.UUID) -> Media | None:
    return await session.get(Media, media_id)


async def get_by_sha256(session: AsyncSession, *, owner_id: str, sha256: str) -> Media | None:
    query = select(Media).where(Media.owner_id == owner_id, Media.sha256 == sha256)
    return await session.scalar(query)


async def insert_unless_duplicate(session: AsyncSession, values: dict) -> Media | None:
    """Insert the row, or nothing when the owner already has these bytes (a concurrent upload)."""
    statement = (
        insert(Media)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Media.owner_id, Media.sha256])
        .returning(Media)
    )
    return await session.scalar(statement)


async def delete_row(session: AsyncSession, media: Media) -> None:
    await session.execute(delete(Media).where(Media.id == media.id))


async def existing_ids(session: AsyncSession, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    rows = await session.scalars(select(Media.id).where(Media.id.in_(ids)))
    return set(rows)
