"""Accounts and the social identities that can sign into them."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.database import Base
from common.ids import new_id


class User(Base):
    __tablename__ = "user"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(320))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    birthday: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(10))
    consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last sign-in (password or provider), not a token refresh: an account without a
    # password proves it is still its owner by a recent one before it is deleted.
    signed_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # TOTP is on (auth.mfa keeps the secret): a sign-in by password or provider then
    # needs a code too. Kept here so that sign-in and /auth/me read it with the user.
    mfa_enabled: Mapped[bool] = mapped_column(default=False, server_default="false")
    # When the owner followed a link mailed to `email` (a reset link counts too).
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The language of the mail we send: en, ko or es (from registration).
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    identities: Mapped[list["Identity"]] = relationship(
        back_populates="user", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def needs_consent(self) -> bool:
        return self.consented_at is None

    @property
    def email_verified(self) -> bool:
        """Proven by a mailed link, or by a provider that verified this very address."""
        if self.email is None:
            return False
        if self.email_verified_at is not None:
            return True
        return any(
            identity.email_verified and (identity.email or "").lower() == self.email.lower()
            for identity in self.identities
        )

    @property
    def has_password(self) -> bool:
        """False for an account made by a provider sign-in until a reset gives it one."""
        return self.password_hash is not None

    @property
    def providers(self) -> list[str]:
        return sorted(identity.provider for identity in self.identities)


# Case-insensitive uniqueness: "Alice" and "alice" are one account, and so are emails.
Index("uq_user_username_lower", func.lower(User.username), unique=True)
Index("uq_user_email_lower", func.lower(User.email), unique=True)


class Identity(Base):
    __tablename__ = "identity"
    __table_args__ = (
        UniqueConstraint("provider", "subject"),
        # One identity per provider per user, so DELETE /auth/identities/{provider} is exact.
        UniqueConstraint("user_id", "provider"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    email_verified: Mapped[bool] = mapped_column(default=False)
    profile: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    user: Mapped[User] = relationship(back_populates="identities")


class EmailTokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"  # registration, resend, and an email change (`email` new)
    RESET_PASSWORD = "reset_password"


class EmailToken(Base):
    """A token mailed in a link: stored only as its SHA-256, single use, short lived."""

    __tablename__ = "email_token"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[EmailTokenPurpose] = mapped_column(String(20))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    # The address the link was sent to: verifying it makes it the account's email.
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
