"""Blocks and mutes: one user restricting what another can do or show them.

A block is mutual in effect (neither sees nor reaches the other); a mute only hides the
muted user from the muter's feeds and notifications, and the muted user cannot tell.
With the table, the two filters every list and check applies to it, whatever its domain.
"""

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    DateTime,
    Enum,
    Exists,
    ForeignKey,
    Index,
    Select,
    exists,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Mapped, mapped_column

from common.ids import new_id
from social.database import Base


class RestrictionKind(enum.StrEnum):
    block = "block"
    mute = "mute"


class Restriction(Base):
    __tablename__ = "restriction"
    __table_args__ = (
        CheckConstraint("owner_id <> target_id", name="not_self"),
        # "Who blocks me": the other half of every block filter.
        Index("ix_restriction_target_id_kind_owner_id", "target_id", "kind", "owner_id"),
        # GET /users/me/blocks and /mutes, newest first.
        Index("ix_restriction_owner_id_kind_id", "owner_id", "kind", "id"),
    )

    # The primary key serves "whom do I block/mute" as an index-only range.
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profile.id"), primary_key=True)
    kind: Mapped[RestrictionKind] = mapped_column(
        Enum(RestrictionKind, name="restriction_kind", native_enum=False, length=16),
        primary_key=True,
    )
    target_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profile.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(default=new_id, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


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
