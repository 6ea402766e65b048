"""Feeds: which posts, newest first (everyone's, an author's, a tag's, the home feed).

The home feed ("posts of the accounts I follow, and mine, and of the tags I follow") is one
statement a page that also picks the cheaper of its two plans (social.feeds.repository).

Feeds are the platform's most frequent requests, so they take the read path
(common.reads): one round trip a page, rows to JSON bytes, no ORM, no transaction.
"""

import uuid

from asyncpg import Record

from common.pagination import PageRequest
from common.reads import JSONBytes, ReadPool, page_response
from social.feeds import repository
from social.links import Links
from social.posts.service import post_fields


def page_of_posts(rows: list[Record], *, page: PageRequest[uuid.UUID], links: Links) -> JSONBytes:
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
    return page_of_posts(rows, page=page, links=links)


async def user_feed(
    *,
    reads: ReadPool,
    author_id: uuid.UUID,
    page: PageRequest[uuid.UUID],
    viewer_id: uuid.UUID | None,
    links: Links,
) -> JSONBytes:
    """One user's posts, newest first."""
    rows = await repository.author_page(
        reads, author_id=author_id, before=page.after, limit=page.limit + 1, viewer_id=viewer_id
    )
    return page_of_posts(rows, page=page, links=links)


async def home_rows(
    *, reads: ReadPool, viewer_id: uuid.UUID, before: uuid.UUID | None, limit: int
) -> list[Record]:
    """The home feed's rows older than `before`: the viewer's and their followees' posts,
    and those of the tags the viewer follows, newest first. (Also the Mastodon client
    API's home timeline: social.mastodon.)"""
    return await repository.home_page(reads, before=before, limit=limit, viewer_id=viewer_id)


async def home_feed(
    *, reads: ReadPool, viewer_id: uuid.UUID, page: PageRequest[uuid.UUID], links: Links
) -> JSONBytes:
    """The home feed, a page of it."""
    rows = await home_rows(
        reads=reads, viewer_id=viewer_id, before=page.after, limit=page.limit + 1
    )
    return page_of_posts(rows, page=page, links=links)


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
    return page_of_posts(rows, page=page, links=links)
