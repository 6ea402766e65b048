"""Hashtag SQL: a post's tags kept in step with its caption, tag follows, counts, trending."""

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from social.models import Post, PostTag, Profile, TagFollow, hidden_from, private_to


async def replace_post_tags(session: AsyncSession, *, post_id: uuid.UUID, tags: list[str]) -> None:
    """Make the post's tags exactly `tags`, in that order. A tag the post already had keeps
    its `created_at`: an edit that keeps a tag does not make it trend again."""
    await session.execute(
        delete(PostTag).where(PostTag.post_id == post_id, PostTag.tag.not_in(tags))
    )
    if not tags:
        return
    statement = insert(PostTag).values(
        [{"post_id": post_id, "tag": tag, "position": i} for i, tag in enumerate(tags)]
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[PostTag.post_id, PostTag.tag],
            set_={"position": statement.excluded.position},
        )
    )


async def posts_count(session: AsyncSession, *, tag: str, viewer_id: uuid.UUID | None) -> int:
    """The tag's posts the viewer could see on the tag page: the same filter as its list
    (blocks and mutes, and private accounts the viewer does not follow)."""
    count = await session.scalar(
        select(func.count())
        .select_from(PostTag)
        .join(Post, Post.id == PostTag.post_id)
        .where(
            PostTag.tag == tag,
            Post.author_id.not_in(hidden_from(viewer_id, muted=True)),
            Post.author_id.not_in(private_to(viewer_id)),
        )
    )
    return int(count or 0)


async def is_following(session: AsyncSession, *, user_id: uuid.UUID, tag: str) -> bool:
    found = await session.scalar(
        select(TagFollow.tag).where(TagFollow.user_id == user_id, TagFollow.tag == tag)
    )
    return found is not None


async def follow(session: AsyncSession, *, user_id: uuid.UUID, tag: str) -> None:
    await session.execute(
        insert(TagFollow).values(user_id=user_id, tag=tag).on_conflict_do_nothing()
    )


async def unfollow(session: AsyncSession, *, user_id: uuid.UUID, tag: str) -> None:
    await session.execute(
        delete(TagFollow).where(TagFollow.user_id == user_id, TagFollow.tag == tag)
    )


async def trending(
    session: AsyncSession, *, window: timedelta, limit: int
) -> Sequence[tuple[str, int]]:
    """(tag, posts) for the tags most posts took within `window`, most first: a range of
    ix_post_tag_created_at_tag over the window, grouped. Private accounts' posts do not
    count: trending is shown to everyone, and their tags are words of their captions."""
    uses = func.count().label("uses")
    query = (
        select(PostTag.tag, uses)
        .join(Post, Post.id == PostTag.post_id)
        .join(Profile, Profile.id == Post.author_id)
        .where(PostTag.created_at >= func.now() - window, ~Profile.is_private)
        .group_by(PostTag.tag)
        .order_by(uses.desc(), PostTag.tag)
        .limit(limit)
    )
    return [(tag, count) for tag, count in await session.execute(query)]
