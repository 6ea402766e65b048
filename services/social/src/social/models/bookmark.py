"""Bookmarks: posts a user keeps for later, seen by nobody else."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Exists, ForeignKey, Index, exists, func
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import SQLCoreOperations

from common.ids import new_id
from social.database import Base


class Bookmark(Base):
    __tablename__ = "bookmark"
    __table_args__ = (
        # GET /users/me/bookmarks: newest bookmark first, paged on the bookmark's own id.
        Index("ix_bookmark_user_id_id", "user_id", "id"),
        # A post's bookmarks go with it (the cascade looks them up).
        Index("ix_bookmark_post_id", "post_id"),
    )

    # One per (user, post): a repeat is a no-op, and "bookmarked" one probe.
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("profile.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    # UUIDv7 of the bookmarking: the list's order and cursor.
    id: Mapped[uuid.UUID] = mapped_column(default=new_id, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def bookmarked_by(
    viewer: SQLCoreOperations[uuid.UUID], post_id: SQLCoreOperations[uuid.UUID]
) -> Exists:
    """Whether the viewer (NULL: anonymous, never) bookmarked the post."""
    # Correlated on the post alone, also in a statement that itself joins bookmarks.
    return (
        exists()
        .where(Bookmark.user_id == viewer, Bookmark.post_id == post_id)
        .correlate_except(Bookmark)
    )
