from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from federation.database import Base


class ActorKey(Base):
    """An actor's RSA key pair: a local username's, or the instance actor's (INSTANCE)."""

    __tablename__ = "actor_key"

    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key_pem: Mapped[str] = mapped_column(Text)
    # Fernet token of the PKCS#8 PEM: a database dump alone signs nothing.
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The account was deleted: the key signs its Delete until that is delivered, then the
    # sweeper drops it, so nothing of the account outlives its farewell.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
