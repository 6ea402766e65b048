"""Feeds: which posts, newest first, and for the home feed which query finds them fastest.

The home feed ("posts of the accounts I follow, and mine") has no single good plan
(measured in bench/feed.py, see the README): merging each followee's newest posts costs one
index probe per followee, and walking all posts newest-first keeping the followees' costs
one step per post that goes by. Which is cheaper depends on the viewer, so it is chosen
per request from counters we keep anyway.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from social.feeds import repository
from social.links import Links
from social.pagination import Page, PageRequest
from social.posts import service as posts
from social.posts.schemas import PostRead
from social.profiles.models import Profile

# One index probe of the merge costs about as much as this many rows of the walk.
PROBE_COST_IN_ROWS = 100


async def _page(
    session: AsyncSession,
    *,
    ids: Sequence[uuid.UUID],
    page: PageRequest,
    viewer_id: uuid.UUID | None,
    links: Links,
) -> Page[PostRead]:
    shown = await posts.view_posts(session, ids=ids[: page.limit], viewer_id=viewer_id, links=links)
    # A post deleted between the two queries is simply missing from this page.
    return Page(items=shown, next_cursor=page.next_cursor(ids, key=lambda post_id: post_id))


async def global_feed(
    session: AsyncSession, *, page: PageRequest, viewer_id: uuid.UUID | None, links: Links
) -> Page[PostRead]:
    """Everyone's posts, newest first."""
    ids = await repository.global_ids(session, before=page.after, limit=page.limit + 1)
    return await _page(session, ids=ids, page=page, viewer_id=viewer_id, links=links)


async def user_feed(
    session: AsyncSession,
    *,
    author: Profile,
    page: PageRequest,
    viewer_id: uuid.UUID | None,
    links: Links,
) -> Page[PostRead]:
    """One user's posts, newest first."""
    ids = await repository.author_ids(
        session, author_id=author.id, before=page.after, limit=page.limit + 1
    )
    return await _page(session, ids=ids, page=page, viewer_id=viewer_id, links=links)


def prefer_merge(*, authors: int, their_posts: int, total_posts: int, limit: int) -> bool:
    """Whether probing each author beats walking all posts for `limit` of theirs."""
    walked = limit * max(total_posts, their_posts) / their_posts
    return authors * PROBE_COST_IN_ROWS <= walked


async def home_feed(
    session: AsyncSession, *, viewer_id: uuid.UUID, page: PageRequest, links: Links
) -> Page[PostRead]:
    """The viewer's and their followees' posts, newest first, by the cheaper plan."""
    authors = await repository.home_authors(session, viewer_id)
    if not authors:
        return Page(items=[], next_cursor=None)
    ids_of = [author_id for author_id, _ in authors]
    their_posts = sum(count for _, count in authors)
    total = await repository.estimated_total_posts(session)
    find = (
        repository.home_ids_merged
        if prefer_merge(
            authors=len(ids_of), their_posts=their_posts, total_posts=total, limit=page.limit
        )
        else repository.home_ids_scanned
    )
    ids = await find(session, authors=ids_of, before=page.after, limit=page.limit + 1)
    return await _page(session, ids=ids, page=page, viewer_id=viewer_id, links=links)
