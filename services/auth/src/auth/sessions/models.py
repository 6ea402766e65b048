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


class AppToken(Base):
    """A third-party app's access token (auth.apps): a long-lived JWT with a `scope`,
    kept here as a session of its own, so that signing out everywhere and a password
    reset end it as they end the refresh-token families. Its id is the JWT's `sid`."""

    __tablename__ = "app_token"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # The app's row (auth.apps); named by string so that sessions does not import apps.
    app_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("oauth_app.id", ondelete="CASCADE"), index=True
    )
    # None for a client_credentials token, which acts for the app, not for a user.
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    scope: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
