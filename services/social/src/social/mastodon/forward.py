"""Timelines read forward, for Mastodon's `min_id`: the `limit` posts right after the id,
oldest first, each timeline's statement on the read path as social.feeds has it backwards.

Each is the feed's own filter (blocks, mutes, private accounts) over a forward walk of the
same index (`id > :after ORDER BY id LIMIT`), so a page costs what a backwards one does.
`viewed()` writes the picked posts newest first, the order Mastodon answers them in. The
home timeline walks every post forward keeping the viewer's authors (the feed's "scan"
plan; a client asking for newer posts asks from near the top, where the walk is short),
with the followed tags' posts from their own ranges.
"""

import uuid

from asyncpg import Record
from sqlalchemy import ARRAY, Select, Uuid, any_, bindparam, func, select, true, union
from sqlalchemy.sql.elements import ColumnElement, SQLCoreOperations

from common.reads import Query, ReadPool
from social.feeds.repository import AUTHOR, LIMIT, TAG, VIEWER
from social.models import Post, PostTag, TagFollow, blocked_between, hidden_from, shown_to
from social.posts.repository import viewed

AFTER = bindparam("after", type_=Uuid)
AUTHORS = bindparam("authors", type_=ARRAY(Uuid))


def _shown(author_id: SQLCoreOperations[uuid.UUID]) -> tuple[ColumnElement[bool], ...]:
    # As the global and tag feeds: no one blocked either way or muted, no private account
    # the viewer does not follow.
    return (author_id.not_in(hidden_from(VIEWER, muted=True)), shown_to(VIEWER, author_id))


def _oldest_first(ids: Select[uuid.UUID], key: SQLCoreOperations[uuid.UUID]) -> Query:
    picked = ids.where(key > AFTER).order_by(key.asc()).limit(LIMIT)
    return Query.of(viewed(Post.id.in_(picked.scalar_subquery())))


GLOBAL_FORWARD = _oldest_first(select(Post.id).where(*_shown(Post.author_id)), Post.id)
AUTHOR_FORWARD = _oldest_first(
    select(Post.id).where(
        Post.author_id == AUTHOR, ~blocked_between(VIEWER, AUTHOR), shown_to(VIEWER, AUTHOR)
    ),
    Post.id,
)
TAG_FORWARD = _oldest_first(
    select(PostTag.post_id)
    .join(Post, Post.id == PostTag.post_id)
    .where(PostTag.tag == TAG, *_shown(Post.author_id)),
    PostTag.post_id,
)

# The authors' part hides author_id from ix_post_author_id_id as the feed's scan does (a
# generic plan would otherwise read every post of every author and sort them).
_authored = (
    select(Post.id.label("id"))
    .where(Post.id > AFTER, func.coalesce(Post.author_id, Post.author_id) == any_(AUTHORS))
    .order_by(Post.id.asc())
    .limit(LIMIT)
)
_followed = select(TagFollow.tag).where(TagFollow.user_id == VIEWER).subquery()
_tagged_author = (
    select(Post.author_id).where(Post.id == PostTag.post_id).correlate_except(Post)
).scalar_subquery()
_tagged = (
    select(PostTag.post_id.label("id"))
    .where(PostTag.tag == _followed.c.tag, PostTag.post_id > AFTER, *_shown(_tagged_author))
    .order_by(PostTag.post_id.asc())
    .limit(LIMIT)
    .lateral()
)


def _home(*parts: Select[uuid.UUID]) -> Query:
    both = union(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    picked = select(both.c.id).order_by(both.c.id.asc()).limit(LIMIT)
    return Query.of(viewed(Post.id.in_(picked.scalar_subquery())))


HOME_FORWARD = _home(_authored)
HOME_FORWARD_WITH_TAGS = _home(
    _authored, select(_tagged.c.id).select_from(_followed).join(_tagged, true())
)


async def global_after(
    reads: ReadPool, *, after: uuid.UUID, limit: int, viewer_id: uuid.UUID | None
) -> list[Record]:
    return await reads.fetch(GLOBAL_FORWARD, viewer=viewer_id, after=after, limit=limit)


async def author_after(
    reads: ReadPool,
    *,
    author_id: uuid.UUID,
    after: uuid.UUID,
    limit: int,
    viewer_id: uuid.UUID | None,
) -> list[Record]:
    return await reads.fetch(
        AUTHOR_FORWARD, viewer=viewer_id, author=author_id, after=after, limit=limit
    )


async def tag_after(
    reads: ReadPool, *, tag: str, after: uuid.UUID, limit: int, viewer_id: uuid.UUID | None
) -> list[Record]:
    return await reads.fetch(TAG_FORWARD, viewer=viewer_id, tag=tag, after=after, limit=limit)


async def home_after(
    reads: ReadPool,
    *,
    authors: list[uuid.UUID],
    with_tags: bool,
    after: uuid.UUID,
    limit: int,
    viewer_id: uuid.UUID,
) -> list[Record]:
    return await reads.fetch(
        HOME_FORWARD_WITH_TAGS if with_tags else HOME_FORWARD,
        viewer=viewer_id,
        authors=authors,
        after=after,
        limit=limit,
    )
