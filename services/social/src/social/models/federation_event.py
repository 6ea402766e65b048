"""The federation outbox: what federation must hear of (a post, a follow, a like by a local
user...), written in the transaction of the change, so that a federation outage only delays
it. Sent right after the commit, else by the relay (social.federation_events.relay)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from common.ids import new_id
from social.database import Base


class FederationEvent(Base):
    __tablename__ = "federation_event"
    __table_args__ = (
        # The relay's scan: due rows, oldest due first.
        Index("ix_federation_event_next_attempt_at", "next_attempt_at"),
    )

    # UUIDv7: events go out in the order they happened; federation dedupes on it.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
