"""One stored image: its owner, its bytes' identity, its objects in S3 and its EXIF."""

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from common.ids import UserId, new_id
from media.database import Base

DESCRIPTION_MAX_LENGTH = 1500
# Room for any real image URL, and short enough for a btree index entry.
SOURCE_URL_MAX_LENGTH = 2048


class Media(Base):
    __tablename__ = "media"
    __table_args__ = (
        # Dedupe: an owner stores the same bytes once; also the index for lookups by owner.
        UniqueConstraint("owner_id", "sha256"),
        # The sweeper walks rows in the bucket's key order: media/{owner_id}/{id}/...
        Index("ix_media_owner_id_id", "owner_id", "id"),
        Index("ix_media_pending_created_at", "created_at", postgresql_where=text("pending")),
        # The blurhash backfill's batches: only the rows still without one.
        Index("ix_media_id_no_blurhash", "id", postgresql_where=text("blurhash IS NULL")),
        # A remote image asked for again is found by its URL, not fetched again.
        Index(
            "ix_media_owner_id_source_url",
            "owner_id",
            "source_url",
            postgresql_where=text("source_url IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    owner_id: Mapped[UserId]
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # As uploaded; `stored_bytes` is what the original and thumbnails take in S3 (the quota).
    bytes: Mapped[int] = mapped_column(BigInteger)
    stored_bytes: Mapped[int] = mapped_column(BigInteger)
    original_key: Mapped[str] = mapped_column(String(256))
    thumb_small_key: Mapped[str] = mapped_column(String(256))
    thumb_large_key: Mapped[str] = mapped_column(String(256))
    camera_make: Mapped[str | None] = mapped_column(String(128))
    camera_model: Mapped[str | None] = mapped_column(String(128))
    lens: Mapped[str | None] = mapped_column(String(128))
    iso: Mapped[int | None] = mapped_column(Integer)
    exposure_time: Mapped[float | None] = mapped_column(Float)
    f_number: Mapped[float | None] = mapped_column(Float)
    focal_length: Mapped[float | None] = mapped_column(Float)
    # The camera's local time: EXIF rarely says which zone it was in.
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    gps_latitude: Mapped[float | None] = mapped_column(Float)
    gps_longitude: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Uploaded for a post that does not exist yet: social attaches it once the post does;
    # the sweeper reclaims it (row, objects, quota) if none ever does.
    pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Alt text, written by the owner for people who cannot see the image.
    description: Mapped[str] = mapped_column(
        String(DESCRIPTION_MAX_LENGTH), default="", server_default=""
    )
    # NULL only for images stored before blurhashes: the backfill loop fills them in.
    blurhash: Mapped[str | None] = mapped_column(String(64))
    # A post shows it: its bytes are served only on a link social signed (social decides
    # who may see a post), or to its owner.
    signed_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Where a remote image (another server's post or avatar) was fetched from; NULL for
    # uploads and AI images.
    source_url: Mapped[str | None] = mapped_column(String(SOURCE_URL_MAX_LENGTH))

    @property
    def object_keys(self) -> list[str]:
        return [self.original_key, self.thumb_small_key, self.thumb_large_key]
