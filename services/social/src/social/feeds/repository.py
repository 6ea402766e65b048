"""Feed SQL: one statement per page, ids and viewer fields together, sent on the read path
(common.reads: compiled once, no ORM, no transaction). Every page walks an index in
`id DESC` order from the cursor and stops after `limit` rows, so a deep page costs what the
first one does."""

import uuid
from typing import Any, Literal

from asyncpg import Record
from sqlalchemy import (
    ARRAY,
    Float,
    Integer,
    Select,
    String,
    Uuid,
    bindparam,
    cast,
    column,
    exists,
    func,
    or_,
    select,
    text,
    true,
    union,
    union_all,
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

BEFORE = bindparam("before", type_=Uuid)
LIMIT = bindparam("limit", type_=Integer)
VIEWER = bindparam("viewer", type_=Uuid)
AUTHOR = bindparam("author", type_=Uuid)
TAG = bindparam("tag", type_=String)


def _page_of(ids: Select[*tuple[Any, ...]]) -> Query:
    return Query.of(viewed(Post.id.in_(ids.scalar_subquery())))


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

# ---------------------------------------------------------------- the home feed --
#
# "Posts of the accounts I follow, and mine, and of the tags I follow" has no single good
# plan (bench/feed.py, docs/operations.md): merging each author's newest posts costs an
# index probe per author, walking all posts newest first keeping the authors' costs a step
# per post that goes by. Which is cheaper depends on the viewer, so the page's statement
# weighs the two itself, from counters we keep anyway, and runs only the cheaper branch
# (each is gated by a one-time filter: the other is never started). One round trip a page.

# One index probe of the merge costs about as much as this many rows of the walk
# (bench/feed.py: ~6 µs a probe, ~0.2 µs a walked row).
PROBE_COST_IN_ROWS = 30
# The followees' posts are summed over a sample: a profile lookup per followee would cost
# more than the page itself for a viewer following thousands.
DENSITY_SAMPLE = 25
# The page size as an InitPlan rather than a constant: Postgres then estimates a custom
# plan as it does the generic one, and after five executions keeps the generic plan (the
# same for every viewer, since the branch is chosen at run time) instead of planning this
# statement again on every request (~1 ms, more than running it).
_PAGE_LIMIT = select(LIMIT).scalar_subquery()
# "merge" or "scan" forces a branch (tests and bench/feed.py compare them); NULL weighs.
PLAN = bindparam("plan", type_=String)
HomePlan = Literal["merge", "scan"]
# Older than every post: the merge's floor when the authors have fewer posts than a page.
OLDEST = uuid.UUID(int=0)

# The followees (an index-only range of pk_follow), less the muted (a block ends the
# follows). Materialized: the plan's weights and both branches read it.
_followees_of_viewer = select(Follow.followee_id).where(
    Follow.follower_id == VIEWER, Follow.followee_id.not_in(hidden_from(VIEWER, muted=True))
)
_followee = _followees_of_viewer.cte("followee").prefix_with("MATERIALIZED")
_author = (
    union_all(select(VIEWER.label("id")), select(_followee.c.followee_id))
    .cte("author")
    .prefix_with("MATERIALIZED")
)
_followees = select(func.count()).select_from(_followee).scalar_subquery()
_sampled_posts = (
    select(func.coalesce(func.sum(Profile.posts_count), 0))
    .where(Profile.id.in_(select(_followee.c.followee_id).limit(DENSITY_SAMPLE)))
    .scalar_subquery()
)
_own_posts = select(Profile.posts_count).where(Profile.id == VIEWER).scalar_subquery()
# The planner's row estimate: free to read, and close enough to weigh two plans.
_total_posts = (
    text("SELECT reltuples FROM pg_class WHERE oid = 'post'::regclass")
    .columns(column("reltuples", Float))
    .scalar_subquery()
)
_shape = (
    select(
        _followees.label("followees"),
        _sampled_posts.label("sampled_posts"),
        func.coalesce(_own_posts, 0).label("own_posts"),
        _total_posts.label("total_posts"),
    )
    .cte("shape")
    .prefix_with("MATERIALIZED")
)  # each weight computed once, not per use
# About how many posts the authors have, at least one.
_their_posts = func.greatest(
    cast(_shape.c.sampled_posts * _shape.c.followees, Float)
    / func.greatest(func.least(_shape.c.followees, DENSITY_SAMPLE), 1)
    + _shape.c.own_posts,
    1,
)
# Probing each author, and then at most `limit` of them again, beats walking all posts for
# `limit` of theirs when the probes cost less than the rows walked: limit × total / theirs.
_plan = select(
    func.coalesce(
        PLAN == "merge",
        (_shape.c.followees + 1 + LIMIT) * PROBE_COST_IN_ROWS * _their_posts
        <= LIMIT * func.greatest(_shape.c.total_posts, _their_posts),
    ).label("merge")
).cte("plan")
_merge = select(_plan.c.merge).scalar_subquery()

# The merge, in two rounds of index probes. First each author's newest post (one row a
# probe): those are as many distinct posts as there are authors, so the page's oldest post
# is no older than the `limit`-th newest of them, its floor. Then only the authors whose
# newest reaches the floor can have posts on the page, and only their posts from the floor
# on: at most `limit` authors probed again, for about `limit` rows in all, where taking
# `limit` of every author's read ~2,000 rows for 100 followees (bench/feed.py).
_newest = (
    select(Post.id)
    .where(Post.author_id == _author.c.id, Post.id < BEFORE)
    .order_by(Post.id.desc())
    .limit(1)
    .scalar_subquery()
)
_newest_by_author = (
    select(_author.c.id.label("author_id"), _newest.label("newest"))
    .where(_merge)
    .cte("newest")
    .prefix_with("MATERIALIZED")
)
_floor_of_page = select(
    func.coalesce(
        select(_newest_by_author.c.newest)
        .where(_newest_by_author.c.newest.is_not(None))
        .order_by(_newest_by_author.c.newest.desc())
        .offset(_PAGE_LIMIT - 1)
        .limit(1)
        .scalar_subquery(),
        OLDEST,
    ).label("floor")
).cte("floor")
_floor = select(_floor_of_page.c.floor).scalar_subquery()
_from_floor = (
    select(Post.id)
    .where(
        Post.author_id == _newest_by_author.c.author_id,
        Post.id < BEFORE,
        Post.id >= _floor,
    )
    .order_by(Post.id.desc())
    .limit(_PAGE_LIMIT)
    .lateral("from_floor")
)
_merged = (
    select(_from_floor.c.id)
    .select_from(_newest_by_author)
    .join(_from_floor, true())
    .where(_newest_by_author.c.newest >= _floor)
    .order_by(_from_floor.c.id.desc())
    .limit(_PAGE_LIMIT)
)
# The walk: all posts newest first (index-only on ix_post_id_author_id), keeping the
# authors' (a hash of them). The coalesce() hides author_id from ix_post_author_id_id on
# purpose: Postgres would otherwise fetch and sort every post of every author (240 ms for
# 1,000 followees in bench/feed.py) instead of walking ~50 index entries.
_walked = (
    select(Post.id)
    .where(
        Post.id < BEFORE,
        Post.author_id.in_(select(_author.c.id)).is_(true()),
        ~_merge,
    )
    .order_by(Post.id.desc())
    .limit(_PAGE_LIMIT)
)

# The followed tags' newest `limit` posts each (a range of ix_post_tag_tag_post_id per tag,
# like the merge's probe per author), less those of hidden users and of private accounts
# the viewer does not follow. The author is looked up per tagged post (a pk probe) rather
# than joined: with a join Postgres merged the tag's range with a backwards walk of all
# posts, ~15k of them per tag on bench/feed.py's data (55-128 ms a page for 5-20 tags).
# A viewer who follows no tag pays one probe of tag_follow's primary key.
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
    .limit(_PAGE_LIMIT)
    .lateral()
)
_tagged_ids = select(_tagged.c.id).select_from(_followed).join(_tagged, true())

# UNION drops a post that the authors and a tag both bring; the newest `limit` are the page.
_home_ids = union(_merged, _walked, _tagged_ids).subquery()
HOME_PAGE = Query.of(
    viewed(
        Post.id.in_(
            select(_home_ids.c.id)
            .order_by(_home_ids.c.id.desc())
            .limit(_PAGE_LIMIT)
            .scalar_subquery()
        )
    )
)

# The viewer's authors and whether they follow tags, for what walks the home feed
# forwards (social.mastodon.forward): the followees as above, and whether any of them (or
# the viewer) has posted at all, or there would be nothing to walk the posts for.
_has_posted = Profile.posts_count > 0
HOME_AUTHORS_QUERY = Query.of(
    select(
        func.array(_followees_of_viewer.scalar_subquery(), type_=ARRAY(Uuid)).label("followees"),
        or_(
            exists().where(Profile.id == VIEWER, _has_posted),
            exists().where(Profile.id.in_(_followees_of_viewer), _has_posted),
        ).label("posted"),
        exists().where(TagFollow.user_id == VIEWER).label("follows_tags"),
    )
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
    before: uuid.UUID | None,
    limit: int,
    viewer_id: uuid.UUID,
    plan: HomePlan | None = None,
) -> list[Record]:
    """The viewer's and their followees' posts and the followed tags', newest first, by
    the cheaper plan (or `plan`)."""
    return await reads.fetch(
        HOME_PAGE, viewer=viewer_id, before=before or NEWEST, limit=limit, plan=plan
    )


async def home_authors(reads: ReadPool, viewer_id: uuid.UUID) -> tuple[list[uuid.UUID], bool, bool]:
    """The viewer and the viewer's followees, whether any of them has posted, and whether
    the viewer follows any tag."""
    (row,) = await reads.fetch(HOME_AUTHORS_QUERY, viewer=viewer_id)
    return [viewer_id, *row["followees"]], row["posted"], row["follows_tags"]


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
