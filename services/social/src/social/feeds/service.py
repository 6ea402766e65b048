"""Feeds: which posts, newest first (everyone's, an author's, a tag's, the home feed), and
for the home feed which plan finds them fastest.

The home feed ("posts of the accounts I follow, and mine") has no single good plan
(measured in bench/feed.py, see docs/operations.md): merging each followee's newest posts
costs one index probe per followee, and walking all posts newest-first keeping the
followees' costs one step per post that goes by. Which is cheaper depends on the viewer, so
it is chosen per request from counters we keep anyway. The posts of the tags the viewer
follows join the page in the same statement (a probe per tag), only for a viewer who
follows any.

Feeds are the platform's most frequent requests, so they take the read path
(common.reads): rows to JSON bytes, no ORM, no transaction.
"""

import time
import uuid

from asyncpg import Record

from common.pagination import PageRequest
from common.reads import JSONBytes, ReadPool, json_bytes, page_response
from social.feeds import repository
from social.links import Links
from social.models import Profile
from social.posts.service import post_fields

# One index probe of the merge costs about as much as this many rows of the walk
# (bench/feed.py: ~4 µs a probe, ~0.4 µs a walked row).
PROBE_COST_IN_ROWS = 10
# The table's size only steers the plan choice: a minute-old estimate is as good, and
# saves every home feed request a round trip.
TOTAL_POSTS_TTL_S = 60.0
_total_posts: tuple[float, int] = (float("-inf"), 0)

EMPTY_PAGE = json_bytes({"items": [], "next_cursor": None})


def _page(rows: list[Record], *, page: PageRequest[uuid.UUID], links: Links) -> JSONBytes:
    """Rows fetched with `limit + 1`; the extra one only tells that a next page exists."""
    return page_response(
        page, rows, key=lambda row: row["id"], item=lambda row: post_fields(row, links)
    )


async def global_feed(
    *, reads: ReadPool, page: PageRequest[uuid.UUID], viewer_id: uuid.UUID | None, links: Links
) -> JSONBytes:
    """Everyone's posts, newest first."""
    rows = await repository.global_page(
        reads, before=page.after, limit=page.limit + 1, viewer_id=viewer_id
    )
    return _page(rows, page=page, links=links)


async def user_feed(
    *,
    reads: ReadPool,
    author: Profile,
    page: PageRequest[uuid.UUID],
    viewer_id: uuid.UUID | None,
    links: Links,
) -> JSONBytes:
    """One user's posts, newest first."""
    rows = await repository.author_page(
        reads, author_id=author.id, before=page.after, limit=page.limit + 1, viewer_id=viewer_id
    )
    return _page(rows, page=page, links=links)


def prefer_merge(*, authors: int, their_posts: int, total_posts: int, limit: int) -> bool:
    """Whether probing each author beats walking all posts for `limit` of theirs."""
    walked = limit * max(total_posts, their_posts) / their_posts
    return authors * PROBE_COST_IN_ROWS <= walked


async def _estimated_total_posts(*, reads: ReadPool) -> int:
    global _total_posts
    read_at, total = _total_posts
    if time.monotonic() - read_at > TOTAL_POSTS_TTL_S:
        total = await repository.estimated_total_posts(reads)
        _total_posts = (time.monotonic(), total)
    return total


async def home_rows(
    *, reads: ReadPool, viewer_id: uuid.UUID, before: uuid.UUID | None, limit: int
) -> list[Record]:
    """The home feed's rows older than `before`: the viewer's and their followees' posts,
    and those of the tags the viewer follows, newest first, by the cheaper plan for the
    authors' part. (Also the Mastodon client API's home timeline: social.mastodon.)"""
    authors, their_posts, follows_tags = await repository.home_authors(reads, viewer_id)
    if not their_posts and not follows_tags:
        return []
    merge = prefer_merge(
        authors=len(authors),
        their_posts=max(their_posts, 1),
        total_posts=await _estimated_total_posts(reads=reads),
        limit=limit,
    )
    return await repository.home_page(
        reads,
        plan="merge" if merge else "scan",
        authors=authors,
        before=before,
        limit=limit,
        viewer_id=viewer_id,
        with_tags=follows_tags,
    )


async def home_feed(
    *, reads: ReadPool, viewer_id: uuid.UUID, page: PageRequest[uuid.UUID], links: Links
) -> JSONBytes:
    """The home feed, a page of it."""
    rows = await home_rows(
        reads=reads, viewer_id=viewer_id, before=page.after, limit=page.limit + 1
    )
    if not rows:
        return JSONBytes(EMPTY_PAGE)
    return _page(rows, page=page, links=links)


async def tag_feed(
    *,
    reads: ReadPool,
    tag: str,
    page: PageRequest[uuid.UUID],
    viewer_id: uuid.UUID | None,
    links: Links,
) -> JSONBytes:
    """A tag's posts, newest first."""
    rows = await repository.tag_page(
        reads, tag=tag, before=page.after, limit=page.limit + 1, viewer_id=viewer_id
    )
    return _page(rows, page=page, links=links)
