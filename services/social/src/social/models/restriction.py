"""Blocks and mutes: one user restricting what another can do or show them.

A block is mutual in effect (neither sees nor reaches the other); a mute only hides the
muted user from the muter's feeds and notifications, and the muted user cannot tell.
"""

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Enum, ForeignKey, Index, func
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
