"""SQL the Mastodon client API needs beyond the platform's own repositories."""

import uuid

from sqlalchemy import delete, func, select
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
