"""Bookmarks: posts a user keeps for later, seen by nobody else."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, false, func, select, true
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement, SQLCoreOperations

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
) -> ColumnElement[bool]:
    """Whether the viewer (NULL: anonymous, never) bookmarked the post."""
    # A scalar subquery, where EXISTS would do: Postgres may run an EXISTS as a hash of all
    # the viewer's bookmarks, read whole on every feed page (10,907 rows, a third of the
    # page's time for a viewer in bench/feed.py), where a page needs a probe per post.
    # Correlated on the post alone, also in a statement that itself joins bookmarks.
    return func.coalesce(
        select(true())
        .where(Bookmark.user_id == viewer, Bookmark.post_id == post_id)
        .correlate_except(Bookmark)
        .limit(1)
        .scalar_subquery(),
        false(),
    )
