"""Feeds: which posts, newest first (everyone's, an author's, a tag's, the home feed), and
for the home feed which plan finds them fastest.

The home feed ("posts of the accounts I follow, and mine") has no single good plan
(measured in bench/feed.py, see the README): merging each followee's newest posts costs one
index probe per followee, and walking all posts newest-first keeping the followees' costs
one step per post that goes by. Which is cheaper depends on the viewer, so it is chosen
per request from counters we keep anyway. The posts of the tags the viewer follows join
the page in the same statement (a probe per tag), only for a viewer who follows any.
"""

import time
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from common.pagination import Page, PageRequest
from social.feeds import repository
from social.links import Links
from social.models import Profile
from social.posts.schemas import PostRead
from social.posts.service import post_read

# One index probe of the merge costs about as much as this many rows of the walk
# (bench/feed.py: ~4 µs a probe, ~0.4 µs a walked row).
PROBE_COST_IN_ROWS = 10
# The table's size only steers the plan choice: a minute-old estimate is as good, and
# saves every home feed request a round trip.
TOTAL_POSTS_TTL_S = 60.0
_total_posts: tuple[float, int] = (float("-inf"), 0)


def _page(
    rows: Sequence[Row[*tuple[Any, ...]]], *, page: PageRequest[uuid.UUID], links: Links
) -> Page[PostRead]:
    """Rows fetched with `limit + 1`; the extra one only tells that a next page exists."""
    return page.page(rows, key=lambda row: row.id, item=lambda row: post_read(row, links))


async def global_feed(
    *,
    session: AsyncSession,
    page: PageRequest[uuid.UUID],
    viewer_id: uuid.UUID | None,
    links: Links,
) -> Page[PostRead]:
    """Everyone's posts, newest first."""
    rows = await repository.global_page(
        session, before=page.after, limit=page.limit + 1, viewer_id=viewer_id
    )
    return _page(rows, page=page, links=links)


async def user_feed(
    *,
    session: AsyncSession,
    author: Profile,
    page: PageRequest[uuid.UUID],
    viewer_id: uuid.UUID | None,
    links: Links,
) -> Page[PostRead]:
    """One user's posts, newest first."""
    rows = await repository.author_page(
        session, author_id=author.id, before=page.after, limit=page.limit + 1, viewer_id=viewer_id
    )
    return _page(rows, page=page, links=links)


def prefer_merge(*, authors: int, their_posts: int, total_posts: int, limit: int) -> bool:
    """Whether probing each author beats walking all posts for `limit` of theirs."""
    walked = limit * max(total_posts, their_posts) / their_posts
    return authors * PROBE_COST_IN_ROWS <= walked


async def _estimated_total_posts(*, session: AsyncSession) -> int:
    global _total_posts
    read_at, total = _total_posts
    if time.monotonic() - read_at > TOTAL_POSTS_TTL_S:
        total = await repository.estimated_total_posts(session)
        _total_posts = (time.monotonic(), total)
    return total


async def home_feed(
    *, session: AsyncSession, viewer_id: uuid.UUID, page: PageRequest[uuid.UUID], links: Links
) -> Page[PostRead]:
    """The viewer's and their followees' posts, and those of the tags the viewer follows,
    newest first, by the cheaper plan for the authors' part."""
    authors, their_posts, follows_tags = await repository.home_authors(session, viewer_id)
    if not their_posts and not follows_tags:
        return Page(items=[], next_cursor=None)
    merge = prefer_merge(
        authors=len(authors),
        their_posts=max(their_posts, 1),
        total_posts=await _estimated_total_posts(session=session),
        limit=page.limit + 1,
    )
    rows = await repository.home_page(
        session,
        plan="merge" if merge else "scan",
        authors=authors,
        before=page.after,
        limit=page.limit + 1,
        viewer_id=viewer_id,
        with_tags=follows_tags,
    )
    return _page(rows, page=page, links=links)


async def tag_feed(
    *,
    session: AsyncSession,
    tag: str,
    page: PageRequest[uuid.UUID],
    viewer_id: uuid.UUID | None,
    links: Links,
) -> Page[PostRead]:
    """A tag's posts, newest first."""
    rows = await repository.tag_page(
        session, tag=tag, before=page.after, limit=page.limit + 1, viewer_id=viewer_id
    )
    return _page(rows, page=page, links=links)
