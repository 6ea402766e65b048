"""Who follows whom."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, func
from sqlalchemy.orm import Mapped, mapped_column

from common.ids import new_id
from social.database import Base


class Follow(Base):
    __tablename__ = "follow"
    __table_args__ = (
        CheckConstraint("follower_id <> followee_id", name="not_self"),
        # Followers and following lists, newest first, paged on the follow's own id.
        Index("ix_follow_followee_id_id", "followee_id", "id"),
        Index("ix_follow_follower_id_id", "follower_id", "id"),
    )

    # The primary key also serves the home feed's "whom do I follow" as an index-only scan.
    follower_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profile.id"), primary_key=True)
    followee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profile.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(default=new_id, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
