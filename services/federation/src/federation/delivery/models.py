import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from common.ids import new_id
from federation.database import Base


class Delivery(Base):
    """One activity owed to one inbox: kept until delivered or given up on."""

    __tablename__ = "delivery"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    inbox_url: Mapped[str] = mapped_column(Text)
    # The inbox's host: per-domain concurrency and blocks.
    host: Mapped[str] = mapped_column(String(255))
    activity: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Whose key signs it: a local username, or INSTANCE.
    signer: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Due from then; while a replica is sending it, a lease (pushed into the future).
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), index=True, server_default=func.now()
    )
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
