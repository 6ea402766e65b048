"""A post: 1–10 images (held by the media service) in order, a caption and a content
warning, with exact counters."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement, SQLCoreOperations

from common.ids import new_id
from social.database import Base

CAPTION_MAX_LENGTH = 2200
SPOILER_TEXT_MAX_LENGTH = 500
ALT_MAX_LENGTH = 1500  # media's description limit
IMAGES_MAX = 10


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
    # The first image (the cover); every image, this one included, is in post_image.
    media_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # A content warning: the images are hidden behind `spoiler_text` until asked for.
    sensitive: Mapped[bool] = mapped_column(default=False, server_default="false")
    spoiler_text: Mapped[str] = mapped_column(
        String(SPOILER_TEXT_MAX_LENGTH), default="", server_default=""
    )
    # When its author last changed the caption or the content warning.
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    like_count: Mapped[int] = mapped_column(default=0, server_default="0")
    dislike_count: Mapped[int] = mapped_column(default=0, server_default="0")
    comment_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # A remote post's ActivityPub id (its Note), and the page its server shows it on; NULL
    # for a local post.
    uri: Mapped[str | None] = mapped_column(Text, unique=True)
    url: Mapped[str | None] = mapped_column(Text)


class PostImage(Base):
    """One image of a post, in order, with what the post shows of it: its alt text and
    what media said of it (size, blurhash), so a feed page never asks media."""

    __tablename__ = "post_image"
    __table_args__ = (
        CheckConstraint(f"position >= 0 AND position < {IMAGES_MAX}", name="position_range"),
        # Whether some post still shows a media (before media deletes it).
        Index("ix_post_image_media_id", "media_id"),
    )

    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    media_id: Mapped[uuid.UUID]
    alt: Mapped[str] = mapped_column(String(ALT_MAX_LENGTH), default="", server_default="")
    # NULL only for images of posts made before albums, until the image sync fills them in.
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    blurhash: Mapped[str | None] = mapped_column(String(64))
    # The image's type as media sniffed it, for federation's attachments (Pixelfed takes
    # only some); NULL for images of posts made before federation.
    media_type: Mapped[str | None] = mapped_column(String(64))


def images_of(post_id: SQLCoreOperations[uuid.UUID]) -> ColumnElement[Any]:
    """A post's images in order, as one JSON array column of a post page's statement."""
    image = func.jsonb_build_object(
        "media_id",
        PostImage.media_id,
        "alt",
        PostImage.alt,
        "width",
        PostImage.width,
        "height",
        PostImage.height,
        "blurhash",
        PostImage.blurhash,
    )
    images = (
        select(func.jsonb_agg(aggregate_order_by(image, PostImage.position)))
        .where(PostImage.post_id == post_id)
        # Its own post_image even when the outer statement joins that table too.
        .correlate_except(PostImage)
    )
    return type_coerce(images.scalar_subquery(), JSONB)
