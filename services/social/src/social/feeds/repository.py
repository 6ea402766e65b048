"""Feed SQL: which post ids make a page. Every query walks an index in `id DESC` order and
stops after `limit` rows, so a deep page costs what the first one does."""

import uuid
from collections.abc import Sequence

from sqlalchemy import ARRAY, Uuid, bindparam, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from social.follows.models import Follow
from social.posts.models import Post
from social.profiles.models import Profile

# "Before the newest possible id": lets the first page share its statement with the rest.
NEWEST = uuid.UUID(int=(1 << 128) - 1)

AUTHORS = bindparam("authors", type_=ARRAY(Uuid))

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
).bindparams(AUTHORS, bindparam("before", type_=Uuid))

# All posts newest first, keeping the authors' (index-only on ix_post_id_author_id): cost
# grows with how many posts go by before `limit` of theirs show up.
SCAN_QUERY = text(
    """
    SELECT post.id FROM post
    WHERE post.id < :before AND post.author_id = ANY(:authors)
    ORDER BY post.id DESC
    LIMIT :limit
    """
).bindparams(AUTHORS, bindparam("before", type_=Uuid))


async def global_ids(
    session: AsyncSession, *, before: uuid.UUID | None, limit: int
) -> Sequence[uuid.UUID]:
    query = select(Post.id).where(Post.id < (before or NEWEST))
    return (await session.scalars(query.order_by(Post.id.desc()).limit(limit))).all()


async def author_ids(
    session: AsyncSession, *, author_id: uuid.UUID, before: uuid.UUID | None, limit: int
) -> Sequence[uuid.UUID]:
    query = select(Post.id).where(Post.author_id == author_id, Post.id < (before or NEWEST))
    return (await session.scalars(query.order_by(Post.id.desc()).limit(limit))).all()


async def home_authors(
    session: AsyncSession, viewer_id: uuid.UUID
) -> Sequence[tuple[uuid.UUID, int]]:
    """(id, posts_count) of the viewer and everyone the viewer follows, if they have posted."""
    followed = (
        select(Profile.id, Profile.posts_count)
        .join(Follow, Follow.followee_id == Profile.id)
        .where(Follow.follower_id == viewer_id, Profile.posts_count > 0)
    )
    own = select(Profile.id, Profile.posts_count).where(
        Profile.id == viewer_id, Profile.posts_count > 0
    )
    return [(row.id, row.posts_count) for row in await session.execute(union_all(followed, own))]


async def estimated_total_posts(session: AsyncSession) -> int:
    # The planner's row estimate: free to read, and close enough to weigh two plans.
    estimate = await session.scalar(
        text("SELECT reltuples FROM pg_class WHERE oid = 'post'::regclass")
    )
    return max(int(estimate or 0), 0)


async def home_ids_merged(
    session: AsyncSession, *, authors: Sequence[uuid.UUID], before: uuid.UUID | None, limit: int
) -> Sequence[uuid.UUID]:
    params = {"authors": list(authors), "before": before or NEWEST, "limit": limit}
    return (await session.scalars(MERGE_QUERY, params)).all()


async def home_ids_scanned(
    session: AsyncSession, *, authors: Sequence[uuid.UUID], before: uuid.UUID | None, limit: int
) -> Sequence[uuid.UUID]:
    params = {"authors": list(authors), "before": before or NEWEST, "limit": limit}
    return (await session.scalars(SCAN_QUERY, params)).all()
