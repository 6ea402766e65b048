"""Hashtag rules: a post's tags are what its caption says, re-read on every caption
change; anyone signed in may follow a tag (its posts then join their home feed)."""

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from social.tags import repository
from social.tags.parsing import parse_tags
from social.tags.schemas import TagRead, TrendingTag, TrendingTags

# "Trending": the tags most posts took in this window.
TRENDING_WINDOW = timedelta(hours=24)
TRENDING_SHOWN = 20


async def sync_post_tags(*, session: AsyncSession, post_id: uuid.UUID, caption: str) -> None:
    """Store the caption's tags as the post's (on posting, and after a caption edit)."""
    await repository.replace_post_tags(session, post_id=post_id, tags=parse_tags(caption))


async def read_tag(*, session: AsyncSession, name: str, viewer_id: uuid.UUID | None) -> TagRead:
    """A tag (already normalised) with the count of its posts the viewer may see, and whether
    the viewer follows it."""
    following = viewer_id is not None and await repository.is_following(
        session, user_id=viewer_id, tag=name
    )
    return TagRead(
        name=name,
        posts_count=await repository.posts_count(session, tag=name, viewer_id=viewer_id),
        following=following,
    )


async def follow_tag(*, session: AsyncSession, user_id: uuid.UUID, name: str) -> TagRead:
    """Follow a tag; a repeat changes nothing."""
    await repository.follow(session, user_id=user_id, tag=name)
    return await read_tag(session=session, name=name, viewer_id=user_id)


async def unfollow_tag(*, session: AsyncSession, user_id: uuid.UUID, name: str) -> TagRead:
    """Stop following a tag; one not followed changes nothing."""
    await repository.unfollow(session, user_id=user_id, tag=name)
    return await read_tag(session=session, name=name, viewer_id=user_id)


async def trending(*, session: AsyncSession) -> TrendingTags:
    """The tags most used in the last TRENDING_WINDOW, most first."""
    rows = await repository.trending(session, window=TRENDING_WINDOW, limit=TRENDING_SHOWN)
    return TrendingTags(items=[TrendingTag(name=tag, posts_count=uses) for tag, uses in rows])
