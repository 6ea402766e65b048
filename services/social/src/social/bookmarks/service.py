"""Bookmark rules: anyone signed in may keep any post they can see; only they ever see
their bookmarks, and a bookmarked post they can no longer see drops out of the list."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from common.pagination import PageRequest
from common.reads import JSONBytes, ReadPool, page_response
from social.bookmarks import repository
from social.links import Links
from social.models import Post
from social.posts.schemas import PostRead
from social.posts.service import post_fields, view_post


async def bookmark(
    *, session: AsyncSession, post: Post, user_id: uuid.UUID, links: Links
) -> PostRead:
    """Bookmark a post; a repeat changes nothing."""
    await repository.add(session, user_id=user_id, post_id=post.id)
    return await view_post(session=session, post=post, viewer_id=user_id, links=links)


async def unbookmark(
    *, session: AsyncSession, post: Post, user_id: uuid.UUID, links: Links
) -> PostRead:
    """Remove a bookmark; a post not bookmarked changes nothing."""
    await repository.remove(session, user_id=user_id, post_id=post.id)
    return await view_post(session=session, post=post, viewer_id=user_id, links=links)


async def list_bookmarks(
    *, reads: ReadPool, user_id: uuid.UUID, page: PageRequest[uuid.UUID], links: Links
) -> JSONBytes:
    """The user's bookmarked posts, most recently bookmarked first (on the read path)."""
    rows = await repository.page(reads, user_id=user_id, before=page.after, limit=page.limit + 1)
    return page_response(
        page, rows, key=lambda row: row["bookmark_id"], item=lambda row: post_fields(row, links)
    )
