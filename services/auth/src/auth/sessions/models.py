"""Refresh tokens: opaque, stored as SHA-256, grouped in one family per sign-in."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from auth.database import Base
from common.ids import new_id


class RefreshToken(Base):
    __tablename__ = "refresh_token"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # Every token rotated from one sign-in shares the family; reuse revokes all of it.
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # When the successor was issued: a retry within the grace gets that successor again.
    spent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # SHA-256 of the client (address and user agent) that spent it, and the successor pair
    # it got, encrypted: a retry whose answer was lost is recognised and answered again.
    spent_by: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    successor_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The device, as its browser names itself, for the list of signed-in devices; the
    # family's newest token's created_at is when it was last used.
    user_agent: Mapped[str | None] = mapped_column(String(400))
