"""Hashtags: which posts carry which tag (from the caption, kept in step with it), and who
follows which tag. A tag is its normalised name (social.tags.parsing), no table of its own:
a tag exists while a post carries it or someone follows it."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement, SQLCoreOperations

from social.database import Base

TAG_MAX_LENGTH = 100


class PostTag(Base):
    __tablename__ = "post_tag"
    __table_args__ = (
        # A tag's page newest first (post ids are time-ordered), its count, and the home
        # feed's probe per followed tag: one range each.
        Index("ix_post_tag_tag_post_id", "tag", "post_id"),
        # Trending: the tags used in the last day, index-only.
        Index("ix_post_tag_created_at_tag", "created_at", "tag"),
    )

    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(TAG_MAX_LENGTH), primary_key=True)
    # Where it comes in the caption: a post's tags read in the order they were written.
    position: Mapped[int] = mapped_column(SmallInteger)
    # When the post took the tag (at posting, or at the edit that added it).
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TagFollow(Base):
    __tablename__ = "tag_follow"

    # The primary key serves the home feed's "which tags do I follow" as an index range.
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("profile.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(TAG_MAX_LENGTH), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def tags_of(post_id: SQLCoreOperations[uuid.UUID]) -> ColumnElement[Any]:
    """A post's tags in caption order, as one array column of a post page's statement."""
    return func.array(
        select(PostTag.tag)
        .where(PostTag.post_id == post_id)
        .order_by(PostTag.position)
        .correlate_except(PostTag)
        .scalar_subquery(),
        type_=ARRAY(String),
    )
