"""Mail waiting to be sent: an outbox row written in the transaction that caused it."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from auth.database import Base
from common.ids import new_id


class MailMessage(Base):
    __tablename__ = "mail_message"
    # The relay reads waiting mail in id order; a sent mail's row is deleted, so that no
    # address outlives the mail (an account's deletion removes the rest).
    __table_args__ = (Index("ix_mail_message_pending", "id", postgresql_where="failed_at IS NULL"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    to_address: Mapped[str] = mapped_column(String(320))
    # Subject, text and HTML, encrypted (SecretBox): the body carries a secret link.
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # The server refused it for good (a 5xx for the recipient): never retried; its
    # content is dropped, the row kept for whoever looks into it.
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
