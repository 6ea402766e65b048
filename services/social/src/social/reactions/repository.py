"""Reaction SQL: one row per (post, user), changed only under the post's row lock."""

import uuid

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from social.models import Reaction, ReactionKind


async def insert_new(
    session: AsyncSession, *, post_id: uuid.UUID, user_id: uuid.UUID, kind: ReactionKind
) -> bool:
    """True if the user had no reaction to the post and now has this one."""
    inserted = await session.scalar(
        insert(Reaction)
        .values(post_id=post_id, user_id=user_id, kind=kind)
        .on_conflict_do_nothing()
        .returning(Reaction.kind)
    )
    return inserted is not None


async def current(
    session: AsyncSession, *, post_id: uuid.UUID, user_id: uuid.UUID
) -> ReactionKind | None:
    return await session.scalar(
        select(Reaction.kind).where(Reaction.post_id == post_id, Reaction.user_id == user_id)
    )


async def change(
    session: AsyncSession, *, post_id: uuid.UUID, user_id: uuid.UUID, kind: ReactionKind
) -> None:
    await session.execute(
        update(Reaction)
        .where(Reaction.post_id == post_id, Reaction.user_id == user_id)
        .values(kind=kind)
        .execution_options(synchronize_session=False)
    )


async def delete_kind(
    session: AsyncSession, *, post_id: uuid.UUID, user_id: uuid.UUID, kind: ReactionKind
) -> bool:
    """True if the user's reaction was this kind and is now gone."""
    deleted = await session.scalar(
        delete(Reaction)
        .where(Reaction.post_id == post_id, Reaction.user_id == user_id, Reaction.kind == kind)
        .returning(Reaction.kind)
    )
    return deleted is not None
