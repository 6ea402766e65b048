"""Bookmark SQL: a user's bookmarks, and the page of them that user reads."""

import uuid

from asyncpg import Record
from sqlalchemy import Integer, Uuid, and_, bindparam, delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.reads import Query, ReadPool
from social.models import Bookmark, Post, hidden_from, shown_to
from social.posts.repository import VIEWER, viewed

# "Before the newest possible id": lets the first page share its statement with the rest.
NEWEST = uuid.UUID(int=(1 << 128) - 1)
BEFORE = bindparam("before", type_=Uuid)
LIMIT = bindparam("limit", type_=Integer)

# The viewer's bookmarks, newest bookmark first: a backwards range of ix_bookmark_user_id_id
# joined to each post; none by someone either of the two now blocks, nor by a private
# account the viewer no longer follows.
BOOKMARKS_PAGE = Query.of(
    viewed(
        and_(
            Bookmark.id < BEFORE,
            Post.author_id.not_in(hidden_from(VIEWER, muted=False)),
            shown_to(VIEWER, Post.author_id),
        )
    )
    .join(Bookmark, and_(Bookmark.post_id == Post.id, Bookmark.user_id == VIEWER))
    .add_columns(Bookmark.id.label("bookmark_id"))
    .order_by(None)
    .order_by(Bookmark.id.desc())
    .limit(LIMIT)
)


async def add(session: AsyncSession, *, user_id: uuid.UUID, post_id: uuid.UUID) -> None:
    await session.execute(
        insert(Bookmark).values(user_id=user_id, post_id=post_id).on_conflict_do_nothing()
    )


async def remove(session: AsyncSession, *, user_id: uuid.UUID, post_id: uuid.UUID) -> None:
    await session.execute(
        delete(Bookmark).where(Bookmark.user_id == user_id, Bookmark.post_id == post_id)
    )


async def page(
    reads: ReadPool, *, user_id: uuid.UUID, before: uuid.UUID | None, limit: int
) -> list[Record]:
    return await reads.fetch(BOOKMARKS_PAGE, viewer=user_id, before=before or NEWEST, limit=limit)
