"""Timelines of the Mastodon client API: the feeds' own statements (social.feeds, on the
read path) read backwards from `max_id`, or forward from `min_id` (social.mastodon.forward),
each row written as a Status."""

import uuid
from collections.abc import Awaitable, Callable

from asyncpg import Record
from fastapi import Request

from common.reads import JSONBytes, ReadPool, json_bytes
from social.feeds import repository as feeds_repository
from social.feeds import service as feeds
from social.links import Links
from social.mastodon import forward
from social.mastodon.paging import TimelinePage, link_header
from social.mastodon.statuses import status

# (cursor, limit) -> rows, newest first: older than the cursor, or newer for the forward one.
Fetch = Callable[[uuid.UUID | None, int], Awaitable[list[Record]]]
FetchAfter = Callable[[uuid.UUID, int], Awaitable[list[Record]]]


async def _timeline(
    before: Fetch,
    after: FetchAfter,
    *,
    page: TimelinePage,
    links: Links,
    request: Request,
) -> JSONBytes:
    if page.min_id is not None:
        rows = await after(page.min_id, page.limit)
    else:
        rows = await before(page.max_id, page.limit)
    statuses = [status(row, links) for row in page.keep(rows, key=lambda row: row["id"])]
    link = link_header(request, links.public_url, [item["id"] for item in statuses])
    return JSONBytes(json_bytes(statuses), headers={"Link": link} if link else None)


async def home(
    *, reads: ReadPool, viewer_id: uuid.UUID, page: TimelinePage, links: Links, request: Request
) -> JSONBytes:
    """The home timeline: /feed's rows."""

    async def before(cursor: uuid.UUID | None, limit: int) -> list[Record]:
        return await feeds.home_rows(reads=reads, viewer_id=viewer_id, before=cursor, limit=limit)

    async def after(cursor: uuid.UUID, limit: int) -> list[Record]:
        authors, posted, follows_tags = await feeds_repository.home_authors(reads, viewer_id)
        if not posted and not follows_tags:
            return []  # as home_rows: nothing to walk the posts for
        return await forward.home_after(
            reads,
            authors=authors,
            with_tags=follows_tags,
            after=cursor,
            limit=limit,
            viewer_id=viewer_id,
        )

    return await _timeline(before, after, page=page, links=links, request=request)


async def public(
    *,
    reads: ReadPool,
    viewer_id: uuid.UUID | None,
    page: TimelinePage,
    links: Links,
    request: Request,
) -> JSONBytes:
    """The public timeline: /feed/global's rows."""

    async def before(cursor: uuid.UUID | None, limit: int) -> list[Record]:
        return await feeds_repository.global_page(
            reads, before=cursor, limit=limit, viewer_id=viewer_id
        )

    async def after(cursor: uuid.UUID, limit: int) -> list[Record]:
        return await forward.global_after(reads, after=cursor, limit=limit, viewer_id=viewer_id)

    return await _timeline(before, after, page=page, links=links, request=request)


async def tag(
    *,
    reads: ReadPool,
    tag: str,
    viewer_id: uuid.UUID | None,
    page: TimelinePage,
    links: Links,
    request: Request,
) -> JSONBytes:
    """A tag's timeline: /tags/{name}/posts' rows."""

    async def before(cursor: uuid.UUID | None, limit: int) -> list[Record]:
        return await feeds_repository.tag_page(
            reads, tag=tag, before=cursor, limit=limit, viewer_id=viewer_id
        )

    async def after(cursor: uuid.UUID, limit: int) -> list[Record]:
        return await forward.tag_after(
            reads, tag=tag, after=cursor, limit=limit, viewer_id=viewer_id
        )

    return await _timeline(before, after, page=page, links=links, request=request)


async def account(
    *,
    reads: ReadPool,
    author_id: uuid.UUID,
    viewer_id: uuid.UUID | None,
    page: TimelinePage,
    links: Links,
    request: Request,
) -> JSONBytes:
    """An account's statuses: /users/{id}/posts' rows."""

    async def before(cursor: uuid.UUID | None, limit: int) -> list[Record]:
        return await feeds_repository.author_page(
            reads, author_id=author_id, before=cursor, limit=limit, viewer_id=viewer_id
        )

    async def after(cursor: uuid.UUID, limit: int) -> list[Record]:
        return await forward.author_after(
            reads, author_id=author_id, after=cursor, limit=limit, viewer_id=viewer_id
        )

    return await _timeline(before, after, page=page, links=links, request=request)
