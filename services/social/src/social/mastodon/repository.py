"""SQL the Mastodon client API needs beyond the platform's own repositories."""

import uuid
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import Row, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from social.models import (
    Comment,
    Follow,
    Notification,
    PostTag,
    Profile,
    comment_mentions_of,
    hidden_from,
)
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


async def people_after(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    side: Literal["followers", "following"],
    viewer_id: uuid.UUID | None,
    after: uuid.UUID,
    limit: int,
) -> list[Row[uuid.UUID, Profile]]:
    """(follow id, other user) of the `limit` follows right after `after` (`min_id`), newest
    first: follows.repository.list_people read forward, the same people left out."""
    mine, theirs = (
        (Follow.followee_id, Follow.follower_id)
        if side == "followers"
        else (Follow.follower_id, Follow.followee_id)
    )
    rows = (
        await session.execute(
            select(Follow.id, Profile)
            .join(Profile, Profile.id == theirs)
            .where(
                mine == user_id,
                Follow.id > after,
                theirs.not_in(hidden_from(viewer_id, muted=False)),
            )
            .order_by(Follow.id.asc())
            .limit(limit)
        )
    ).all()
    return list(reversed(rows))


async def replies(
    session: AsyncSession, *, post_id: uuid.UUID, viewer_id: uuid.UUID | None, limit: int
) -> Sequence[Row[Comment, Profile, list[dict[str, Any]]]]:
    """A post's first `limit` comments with their authors and mentioned users, oldest
    first, less those of whoever the viewer blocks, is blocked by or mutes (Mastodon leaves
    muted accounts out of a thread, where the web app's comment list keeps them)."""
    return (
        await session.execute(
            select(Comment, Profile, comment_mentions_of(Comment.id))
            .join(Profile, Profile.id == Comment.author_id)
            .where(
                Comment.post_id == post_id,
                Comment.author_id.not_in(hidden_from(viewer_id, muted=True)),
            )
            .order_by(Comment.id)
            .limit(limit)
        )
    ).all()
