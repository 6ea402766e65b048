"""A post: one image (held by the media service) and a caption, with exact counters."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from common.ids import new_id
from social.database import Base

CAPTION_MAX_LENGTH = 2200


class Post(Base):
    __tablename__ = "post"
    __table_args__ = (
        CheckConstraint(f"char_length(caption) <= {CAPTION_MAX_LENGTH}", name="caption_length"),
        CheckConstraint("like_count >= 0", name="like_count_non_negative"),
        CheckConstraint("dislike_count >= 0", name="dislike_count_non_negative"),
        CheckConstraint("comment_count >= 0", name="comment_count_non_negative"),
        # A user's posts newest first, and the per-followee probes of the home feed.
        Index("ix_post_author_id_id", "author_id", "id"),
        # The global feed and the dense home feed walk ids newest first and filter on the
        # author: carrying author_id makes that walk index-only.
        Index("ix_post_id_author_id", "id", postgresql_include=["author_id"]),
        # A deduplicated upload can back several posts: its media goes only with the last.
        Index("ix_post_media_id", "media_id"),
    )

    # UUIDv7: time-ordered, so the id is the feed's sort key and its cursor.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profile.id"))
    caption: Mapped[str] = mapped_column(Text, default="", server_default="")
    media_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    like_count: Mapped[int] = mapped_column(default=0, server_default="0")
    dislike_count: Mapped[int] = mapped_column(default=0, server_default="0")
    comment_count: Mapped[int] = mapped_column(default=0, server_default="0")
