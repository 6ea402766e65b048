"""SQL the Mastodon client API needs beyond the platform's own repositories."""

import uuid
from typing import Any

from sqlalchemy import Row, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from social.models import Notification, PostTag, Profile
from social.models.profile import username_search_key


async def counts(session: AsyncSession) -> tuple[int, int]:
    """How many people and how many posts: the profiles' counters, one row to sum."""
    row = (
        await session.execute(select(func.count(), func.coalesce(func.sum(Profile.posts_count), 0)))
    ).one()
    return int(row[0]), int(row[1])


async def profile_by_username(session: AsyncSession, username: str) -> Profile | None:
    """The profile of `username`, any case (one range of ix_profile_username_search)."""
    return await session.scalar(
        select(Profile).where(username_search_key(Profile.username) == username.casefold().lower())
    )


async def delete_notifications(session: AsyncSession, recipient_id: uuid.UUID) -> None:
    await session.execute(delete(Notification).where(Notification.recipient_id == recipient_id))


async def tag_in_use(session: AsyncSession, tag: str) -> bool:
    """Whether any post carries the tag (one probe of ix_post_tag_tag_post_id)."""
    return bool(
        await session.scalar(select(select(PostTag.post_id).where(PostTag.tag == tag).exists()))
    )


async def notifications_after(
    session: AsyncSession, *, recipient_id: uuid.UUID, after: uuid.UUID, limit: int
) -> list[Row[*tuple[Any, ...]]]:
    """The recipient's `limit` notifications right after `after` (`min_id`), newest first:
    a forward range of ix_notification_recipient_id_sort_id, the columns a Notification
    entity is written from."""
    rows = (
        await session.execute(
            select(
                Notification.id,
                Notification.sort_id,
                Notification.kind,
                Notification.updated_at,
                Notification.post_id,
            )
            .where(Notification.recipient_id == recipient_id, Notification.sort_id > after)
            .order_by(Notification.sort_id.asc())
            .limit(limit)
        )
    ).all()
    return list(reversed(rows))
