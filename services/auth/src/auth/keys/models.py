"""Token signing keys: the private half encrypted at rest, the public half as a JWK."""

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, LargeBinary, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from auth.database import Base


class SigningKey(Base):
    __tablename__ = "signing_key"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Set when a newer key takes over signing; the public key stays published
    # until every token it signed has expired.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
