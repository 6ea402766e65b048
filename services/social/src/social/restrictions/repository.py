"""Restriction SQL (the filters every list applies are in social.models.restriction)."""

import uuid
from collections.abc import Sequence

from sqlalchemy import Row, delete, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import affected
from social.models import Profile, Restriction, RestrictionKind


async def insert_new(
    session: AsyncSession, *, owner_id: uuid.UUID, target_id: uuid.UUID, kind: RestrictionKind
) -> bool:
    """True if the restriction is new (a repeat inserts nothing)."""
    inserted = await session.scalar(
        insert(Restriction)
        .values(owner_id=owner_id, target_id=target_id, kind=kind)
        .on_conflict_do_nothing()
        .returning(Restriction.id)
    )
    return inserted is not None


async def delete_one(
    session: AsyncSession, *, owner_id: uuid.UUID, target_id: uuid.UUID, kind: RestrictionKind
) -> bool:
    """Whether there was one to delete."""
    result = await session.execute(
        delete(Restriction).where(
            Restriction.owner_id == owner_id,
            Restriction.target_id == target_id,
            Restriction.kind == kind,
        )
    )
    return affected(result) > 0


async def list_targets(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    kind: RestrictionKind,
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[Row[uuid.UUID, Profile]]:
    """(restriction id, restricted user) rows, newest restriction first."""
    query = (
        select(Restriction.id, Profile)
        .join(Profile, Profile.id == Restriction.target_id)
        .where(Restriction.owner_id == owner_id, Restriction.kind == kind)
    )
    if after is not None:
        query = query.where(Restriction.id < after)
    return (await session.execute(query.order_by(Restriction.id.desc()).limit(limit))).all()


async def delete_all_of(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Every restriction the user made or is the target of (account deletion)."""
    await session.execute(
        delete(Restriction).where(
            or_(Restriction.owner_id == user_id, Restriction.target_id == user_id)
        )
    )
