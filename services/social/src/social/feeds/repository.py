"""Feed SQL: one statement per page, ids and viewer fields together, sent on the read path
(common.reads: compiled once, no ORM, no transaction). Every page walks an index in
`id DESC` order from the cursor and stops after `limit` rows, so a deep page costs what the
first one does."""

import uuid
from collections.abc import Sequence
from typing import Any, Literal

from asyncpg import Record
from sqlalchemy import (
    ARRAY,
    Integer,
    Select,
    String,
    TextClause,
    Uuid,
    bindparam,
    column,
    exists,
    func,
    select,
    text,
    true,
    union,
)

from common.reads import Query, ReadPool
from social.models import (
    Follow,
    Post,
    PostTag,
    Profile,
    TagFollow,
    blocked_between,
    hidden_from,
    shown_to,
)
from social.posts.repository import viewed

# "Before the newest possible id": lets the first page share its statement with the rest.
NEWEST = uuid.UUID(int=(1 << 128) - 1)

AUTHORS = bindparam("authors", type_=ARRAY(Uuid))
BEFORE = bindparam("before", type_=Uuid)
LIMIT = bindparam("limit", type_=Integer)
VIEWER = bindparam("viewer", type_=Uuid)

# Newest `limit` of each author (an index probe each), merged: cost grows with the
# number of authors, whatever their posting rates.
MERGE_QUERY = text(
    """
    SELECT latest.id
    FROM unnest(:authors) AS author(id)
    CROSS JOIN LATERAL (
        SELECT post.id FROM post
        WHERE post.author_id = author.id AND post.id < :before
        ORDER BY post.id DESC
        LIMIT :limit
    ) AS latest
    ORDER BY latest.id DESC
    LIMIT :limit
    """
).bindparams(AUTHORS, BEFORE)

# All posts newest first, keeping the authors' (index-only on ix_post_id_author_id): cost
# grows with how many posts go by before `limit` of theirs show up. The coalesce() hides
# author_id from ix_post_author_id_id on purpose: with the array as a parameter (a generic
# plan) Postgres would otherwise fetch and sort every post of every author (240 ms for
# 1,000 followees in bench/feed.py) instead of walking ~50 index entries.
SCAN_QUERY = text(
    """
    SELECT post.id FROM post
    WHERE post.id < :before AND coalesce(post.author_id, post.author_id) = ANY(:authors)
    ORDER BY post.id DESC
    LIMIT :limit
    """
).bindparams(AUTHORS, BEFORE)

HomePlan = Literal["merge", "scan"]


def _page_of(ids: Select[*tuple[Any, ...]]) -> Query:
    return Query.of(viewed(Post.id.in_(ids.scalar_subquery())))


def _page_of_text(ids_query: TextClause) -> Query:
    ids = ids_query.columns(column("id", Uuid)).subquery()
    return Query.of(viewed(Post.id.in_(select(ids.c.id))))


AUTHOR = bindparam("author", type_=Uuid)

# Blocks, mutes and private accounts the viewer does not follow filter each page in its own
# statement: the hidden users are read once (a hashed subplan) and the index walk only
# skips their posts as it goes by them.
GLOBAL_PAGE = _page_of(
    select(Post.id)
    .where(
        Post.id < BEFORE,
        Post.author_id.not_in(hidden_from(VIEWER, muted=True)),
        shown_to(VIEWER, Post.author_id),
    )
    .order_by(Post.id.desc())
    .limit(LIMIT)
)
# A profile's posts: none at all between a blocked pair; a mute does not hide them here.
# (A private account's are refused before this, 403; the filter is the second lock.)
AUTHOR_PAGE = _page_of(
    select(Post.id)
    .where(
        Post.author_id == AUTHOR,
        Post.id < BEFORE,
        ~blocked_between(VIEWER, AUTHOR),
        shown_to(VIEWER, Post.author_id),
    )
    .order_by(Post.id.desc())
    .limit(LIMIT)
)
HOME_PAGES: dict[HomePlan, Query] = {
    "merge": _page_of_text(MERGE_QUERY),
    "scan": _page_of_text(SCAN_QUERY),
}

TAG = bindparam("tag", type_=String)

# A tag's posts, newest first: a backwards range of ix_post_tag_tag_post_id, skipping the
# posts of whoever the viewer must not see (blocks and mutes as the global feed, and private
# accounts the viewer does not follow).
TAG_PAGE = _page_of(
    select(PostTag.post_id)
    .join(Post, Post.id == PostTag.post_id)
    .where(
        PostTag.tag == TAG,
        PostTag.post_id < BEFORE,
        Post.author_id.not_in(hidden_from(VIEWER, muted=True)),
        shown_to(VIEWER, Post.author_id),
    )
    .order_by(PostTag.post_id.desc())
    .limit(LIMIT)
)

# The followed tags' newest `limit` posts each (a range of ix_post_tag_tag_post_id per tag,
# like the merge's probe per author), less those of hidden users and of private accounts
# the viewer does not follow. The author is looked up per tagged post (a pk probe) rather
# than joined: with a join Postgres merged the tag's range with a backwards walk of all
# posts, ~15k of them per tag on bench/feed.py's data (55-128 ms a page for 5-20 tags).
_followed = select(TagFollow.tag).where(TagFollow.user_id == VIEWER).subquery()
_tagged_author = (
    select(Post.author_id)
    .where(Post.id == PostTag.post_id)
    .correlate_except(Post)
    .scalar_subquery()
)
_tagged = (
    select(PostTag.post_id.label("id"))
    .where(
        PostTag.tag == _followed.c.tag,
        PostTag.post_id < BEFORE,
        _tagged_author.not_in(hidden_from(VIEWER, muted=True)),
        shown_to(VIEWER, _tagged_author),
    )
    .order_by(PostTag.post_id.desc())
    .limit(LIMIT)
    .lateral()
)
TAGGED_IDS = select(_tagged.c.id).select_from(_followed).join(_tagged, true())


def _with_followed_tags(ids_query: TextClause) -> Query:
    """The home page of the authors' posts and the followed tags' together: UNION drops a
    post that both bring, and the newest `limit` of the two are the page."""
    authors = select(ids_query.columns(column("id", Uuid)).subquery().c.id)
    both = union(authors, TAGGED_IDS).subquery()
    return Query.of(
        viewed(
            Post.id.in_(select(both.c.id).order_by(both.c.id.desc()).limit(LIMIT).scalar_subquery())
        )
    )


# For a viewer who follows tags; the plain pages above stay as they were for the others.
HOME_PAGES_WITH_TAGS: dict[HomePlan, Query] = {
    "merge": _with_followed_tags(MERGE_QUERY),
    "scan": _with_followed_tags(SCAN_QUERY),
}

# The followees' ids (an index-only range of pk_follow), less the muted (a block ends the
# follows), and, to weigh the two plans, their posts: summed over a sample, because a
# profile lookup per followee would cost more than the feed query itself for a viewer
# following thousands.
DENSITY_SAMPLE = 100
_followees = select(Follow.followee_id).where(
    Follow.follower_id == VIEWER, Follow.followee_id.not_in(hidden_from(VIEWER, muted=True))
)
_sample = _followees.limit(DENSITY_SAMPLE).subquery()
HOME_AUTHORS_QUERY = Query.of(
    select(
        func.array(_followees.scalar_subquery(), type_=ARRAY(Uuid)).label("followees"),
        select(func.coalesce(func.sum(Profile.posts_count), 0))
        .join(_sample, _sample.c.followee_id == Profile.id)
        .scalar_subquery()
        .label("sampled_posts"),
        select(Profile.posts_count)
        .where(Profile.id == VIEWER)
        .scalar_subquery()
        .label("own_posts"),
        exists().where(TagFollow.user_id == VIEWER).label("follows_tags"),
    )
)

# The planner's row estimate: free to read, and close enough to weigh two plans.
TOTAL_POSTS_QUERY = Query.of(
    text("SELECT reltuples::bigint FROM pg_class WHERE oid = 'post'::regclass")
)


async def global_page(
    reads: ReadPool, *, before: uuid.UUID | None, limit: int, viewer_id: uuid.UUID | None
) -> list[Record]:
    return await reads.fetch(GLOBAL_PAGE, viewer=viewer_id, before=before or NEWEST, limit=limit)


async def author_page(
    reads: ReadPool,
    *,
    author_id: uuid.UUID,
    before: uuid.UUID | None,
    limit: int,
    viewer_id: uuid.UUID | None,
) -> list[Record]:
    return await reads.fetch(
        AUTHOR_PAGE, viewer=viewer_id, author=author_id, before=before or NEWEST, limit=limit
    )


async def home_page(
    reads: ReadPool,
    *,
    plan: HomePlan,
    authors: Sequence[uuid.UUID],
    before: uuid.UUID | None,
    limit: int,
    viewer_id: uuid.UUID,
    with_tags: bool = False,
) -> list[Record]:
    return await reads.fetch(
        (HOME_PAGES_WITH_TAGS if with_tags else HOME_PAGES)[plan],
        viewer=viewer_id,
        authors=list(authors),
        before=before or NEWEST,
        limit=limit,
    )


def home_authors_of(
    viewer_id: uuid.UUID,
    followees: list[uuid.UUID],
    sampled_posts: int,
    own_posts: int | None,
    follows_tags: bool = False,
) -> tuple[list[uuid.UUID], int]:
    """A HOME_AUTHORS_QUERY row as (authors, about how many posts they have); the row's
    `follows_tags` is home_authors' to read."""
    sampled = min(len(followees), DENSITY_SAMPLE)
    estimated = sampled_posts * len(followees) // sampled if sampled else 0
    return [viewer_id, *followees], estimated + (own_posts or 0)


async def home_authors(reads: ReadPool, viewer_id: uuid.UUID) -> tuple[list[uuid.UUID], int, bool]:
    """The viewer and the viewer's followees, about how many posts they have, and whether
    the viewer follows any tag."""
    (row,) = await reads.fetch(HOME_AUTHORS_QUERY, viewer=viewer_id)
    return (*home_authors_of(viewer_id, *row), bool(row["follows_tags"]))


async def estimated_total_posts(reads: ReadPool) -> int:
    (row,) = await reads.fetch(TOTAL_POSTS_QUERY)
    return max(int(row[0] or 0), 0)


async def tag_page(
    reads: ReadPool,
    *,
    tag: str,
    before: uuid.UUID | None,
    limit: int,
    viewer_id: uuid.UUID | None,
) -> list[Record]:
    return await reads.fetch(
        TAG_PAGE, viewer=viewer_id, tag=tag, before=before or NEWEST, limit=limit
    )
