"""Timelines of the Mastodon client API: the feeds' own statements (social.feeds, on the
read path), each row written as a Status."""

import uuid
from collections.abc import Awaitable, Callable

from asyncpg import Record
from fastapi import Request

from common.reads import JSONBytes, ReadPool, json_bytes
from social.feeds import repository as feeds_repository
from social.feeds import service as feeds
from social.links import Links
from social.mastodon.paging import TimelinePage, link_header
from social.mastodon.statuses import status


async def _timeline(
    fetch: Callable[[uuid.UUID | None, int], Awaitable[list[Record]]],
    *,
    page: TimelinePage,
    links: Links,
    request: Request,
) -> JSONBytes:
    rows = page.keep(await fetch(page.max_id, page.limit), key=lambda row: row["id"])
    statuses = [status(row, links) for row in rows]
    link = link_header(request, links.public_url, [item["id"] for item in statuses])
    return JSONBytes(json_bytes(statuses), headers={"Link": link} if link else None)


async def home(
    *, reads: ReadPool, viewer_id: uuid.UUID, page: TimelinePage, links: Links, request: Request
) -> JSONBytes:
    """The home timeline: /feed's rows."""

    async def fetch(before: uuid.UUID | None, limit: int) -> list[Record]:
        return await feeds.home_rows(reads=reads, viewer_id=viewer_id, before=before, limit=limit)

    return await _timeline(fetch, page=page, links=links, request=request)


async def public(
    *,
    reads: ReadPool,
    viewer_id: uuid.UUID | None,
    page: TimelinePage,
    links: Links,
    request: Request,
) -> JSONBytes:
    """The public timeline: /feed/global's rows."""

    async def fetch(before: uuid.UUID | None, limit: int) -> list[Record]:
        return await feeds_repository.global_page(
            reads, before=before, limit=limit, viewer_id=viewer_id
        )

    return await _timeline(fetch, page=page, links=links, request=request)


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

    async def fetch(before: uuid.UUID | None, limit: int) -> list[Record]:
        return await feeds_repository.tag_page(
            reads, tag=tag, before=before, limit=limit, viewer_id=viewer_id
        )

    return await _timeline(fetch, page=page, links=links, request=request)


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

    async def fetch(before: uuid.UUID | None, limit: int) -> list[Record]:
        return await feeds_repository.author_page(
            reads, author_id=author_id, before=before, limit=limit, viewer_id=viewer_id
        )

    return await _timeline(fetch, page=page, links=links, request=request)
