"""A user's reaction to a post: at most one, a like or a dislike."""

import enum
import uuid
from datetime import datetime

from sqlalchemy import DateTime, Enum, ForeignKey, func
from sqlalchemy.orm import Mapped, mapped_column

from social.database import Base


class ReactionKind(enum.StrEnum):
    like = "like"
    dislike = "dislike"


class Reaction(Base):
    __tablename__ = "reaction"

    # One row per (post, user) is what makes like and dislike exclusive.
    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profile.id"), primary_key=True)
    kind: Mapped[ReactionKind] = mapped_column(
        Enum(ReactionKind, name="reaction_kind", native_enum=False, length=16)
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
