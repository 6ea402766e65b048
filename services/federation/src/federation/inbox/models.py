import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from common.ids import new_id
from federation.database import Base


class InboundActivity(Base):
    """A verified activity, stored before the 202 and applied by the inbox loop."""

    __tablename__ = "inbound_activity"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    # Its id: a redelivery of the same activity is recognised and dropped.
    activity_uri: Mapped[str | None] = mapped_column(Text, unique=True)
    actor_uri: Mapped[str] = mapped_column(Text)
    host: Mapped[str] = mapped_column(String(255))
    activity: Mapped[dict[str, Any]] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # Set once applied (or given up on); kept a while for the redelivery check.
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
