"""Comment SQL."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from social.models import Comment, Profile, comment_mentions_of, hidden_from


async def create(
    session: AsyncSession,
    *,
    post_id: uuid.UUID,
    author_id: uuid.UUID,
    content: str,
    uri: str | None = None,
) -> Comment:
    comment = Comment(post_id=post_id, author_id=author_id, content=content, uri=uri)
    session.add(comment)
    await session.flush()
    return comment


async def get(session: AsyncSession, comment_id: uuid.UUID) -> Comment | None:
    return await session.get(Comment, comment_id)


async def mentions(session: AsyncSession, *, comment_id: uuid.UUID) -> list[dict[str, Any]]:
    """The comment's mentioned users as `[{id, username}]`, in the order written."""
    return list(await session.scalar(select(comment_mentions_of(comment_id))) or [])


async def delete_comment(session: AsyncSession, comment: Comment) -> bool:
    """False if a concurrent request deleted it first."""
    deleted = await session.scalar(
        delete(Comment).where(Comment.id == comment.id).returning(Comment.id)
    )
    return deleted is not None


async def list_for_post(
    session: AsyncSession,
    *,
    post_id: uuid.UUID,
    viewer_id: uuid.UUID | None,
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[Row[Comment, Profile, list[dict[str, Any]]]]:
    """A post's comments with their authors and mentioned users, oldest first, as a
    conversation reads; none by someone the viewer blocks or is blocked by."""
    query = (
        select(Comment, Profile, comment_mentions_of(Comment.id))
        .join(Profile, Profile.id == Comment.author_id)
        .where(
            Comment.post_id == post_id,
            Comment.author_id.not_in(hidden_from(viewer_id, muted=False)),
        )
    )
    if after is not None:
        query = query.where(Comment.id > after)
    return (await session.execute(query.order_by(Comment.id).limit(limit))).all()
