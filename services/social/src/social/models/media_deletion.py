"""The media deletion outbox: a media whose last post is gone, until media confirms it is
deleted. Written in the transaction that deletes the post, so a media outage cannot leave
an image behind that keeps costing its owner quota."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, func
from sqlalchemy.orm import Mapped, mapped_column

from social.database import Base


class MediaDeletion(Base):
    __tablename__ = "media_deletion"
    __table_args__ = (
        # The relay's scan: due rows, oldest due first.
        Index("ix_media_deletion_next_attempt_at", "next_attempt_at"),
    )

    media_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # Whose quota the image counts against: for whoever looks at a row that keeps failing.
    owner_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
