"""Events written in the same transaction as the change they describe, relayed later."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from auth.database import Base
from common.ids import new_id

# An event for the token verifiers rather than the users stream: the revocation entries to
# write (auth.sessions.revocations), relayed by their own loop.
TOKENS_REVOKED = "tokens_revoked"


class OutboxEvent(Base):
    __tablename__ = "outbox_event"
    # The relay reads pending events in id order; published ones drop out of the index.
    __table_args__ = (
        Index("ix_outbox_event_pending", "id", postgresql_where="published_at IS NULL"),
        # A deleted user's events, forgotten once every service applied the deletion.
        Index("ix_outbox_event_user_id", text("(payload ->> 'user_id')")),
    )

    # UUIDv7: id order is creation order, so events relay in the order they happened.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    type: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, str]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The stream entry it became: deleted from the stream with the user it names.
    stream_id: Mapped[str | None] = mapped_column(String(40))
