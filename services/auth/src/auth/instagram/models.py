"""A user's Meta (Facebook) connection for the Instagram Graph API, and linked accounts."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from auth.database import Base
from common.ids import new_id


class MetaConnection(Base):
    __tablename__ = "meta_connection"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    meta_user_id: Mapped[str] = mapped_column(String(64))
    # The long-lived user token, Fernet-encrypted; never stored in clear.
    token_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class InstagramAccount(Base):
    __tablename__ = "instagram_account"
    __table_args__ = (UniqueConstraint("user_id", "ig_user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    ig_user_id: Mapped[str] = mapped_column(String(64))
    ig_username: Mapped[str] = mapped_column(String(100))
    page_id: Mapped[str] = mapped_column(String(64))
    page_name: Mapped[str] = mapped_column(String(255))
    profile_picture_url: Mapped[str | None] = mapped_column(String(2048))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
