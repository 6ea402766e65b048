"""Restriction SQL, and the one subquery every list filters with."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Exists,
    Row,
    Select,
    delete,
    exists,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from social.models import Profile, Restriction, RestrictionKind

BLOCK = RestrictionKind.block


def hidden_from(
    viewer: ColumnElement[uuid.UUID] | uuid.UUID | None, *, muted: bool
) -> Select[*tuple[Any, ...]]:
    """The users `viewer` must not see: those it blocks or is blocked by, and with `muted`
    those it mutes. Used as `author_id NOT IN (...)`: Postgres runs it once per statement
    (a hashed subplan) and the list's own index walk stays as it was. No viewer: nobody."""
    kinds = list(RestrictionKind) if muted else [BLOCK]
    return (
        union_all(
            select(Restriction.target_id).where(
                Restriction.owner_id == viewer, Restriction.kind.in_(kinds)
            ),
            select(Restriction.owner_id).where(
                Restriction.target_id == viewer, Restriction.kind == BLOCK
            ),
        )
        .subquery()
        .select()
    )


def blocked_between(
    a: ColumnElement[uuid.UUID] | uuid.UUID, b: ColumnElement[uuid.UUID] | uuid.UUID
) -> Exists:
    """Whether either of the two blocks the other."""
    return exists().where(
        Restriction.kind == BLOCK,
        or_(
            (Restriction.owner_id == a) & (Restriction.target_id == b),
            (Restriction.owner_id == b) & (Restriction.target_id == a),
        ),
    )


async def is_blocked_between(session: AsyncSession, a: uuid.UUID, b: uuid.UUID) -> bool:
    return bool(await session.scalar(select(blocked_between(a, b))))


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
) -> None:
    await session.execute(
        delete(Restriction).where(
            Restriction.owner_id == owner_id,
            Restriction.target_id == target_id,
            Restriction.kind == kind,
        )
    )


async def kinds_between(
    session: AsyncSession, *, owner_id: uuid.UUID, target_id: uuid.UUID
) -> set[RestrictionKind]:
    """What `owner_id` has put on `target_id`."""
    kinds = await session.scalars(
        select(Restriction.kind).where(
            Restriction.owner_id == owner_id, Restriction.target_id == target_id
        )
    )
    return set(kinds)


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
