"""Media deletion outbox SQL, and whether a post or an avatar still shows a media. Times come
from the database clock, the one all replicas share."""

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from social.models import MediaDeletion, Post, PostImage, Profile


async def add(
    session: AsyncSession, *, media_id: uuid.UUID, owner_id: uuid.UUID, delay: timedelta
) -> None:
    """Queue a media for deletion, first retried after `delay`; one already queued stays."""
    await session.execute(
        insert(MediaDeletion)
        .values(media_id=media_id, owner_id=owner_id, next_attempt_at=func.now() + delay)
        .on_conflict_do_nothing(index_elements=[MediaDeletion.media_id])
    )


async def remove(session: AsyncSession, *, media_id: uuid.UUID) -> None:
    await session.execute(delete(MediaDeletion).where(MediaDeletion.media_id == media_id))


async def lock_due(session: AsyncSession, *, limit: int) -> Sequence[MediaDeletion]:
    """Due rows no other replica holds, locked until this transaction ends."""
    return (
        await session.scalars(
            select(MediaDeletion)
            .where(MediaDeletion.next_attempt_at <= func.now())
            .order_by(MediaDeletion.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()


async def postpone(session: AsyncSession, deletion: MediaDeletion, *, delay: timedelta) -> None:
    deletion.attempts += 1
    deletion.next_attempt_at = func.now() + delay
    await session.flush()


async def media_in_use(session: AsyncSession, media_id: uuid.UUID) -> bool:
    """Whether another post or an avatar still shows this media."""
    # Every image of an album is in post_image; post.media_id (the cover) is one of them,
    # asked too so that a post of any age counts.
    in_post = exists().where(Post.media_id == media_id) | exists().where(
        PostImage.media_id == media_id
    )
    as_avatar = exists().where(Profile.avatar_media_id == media_id)
    return bool(await session.scalar(select(in_post | as_avatar)))
