"""An account deletion in progress: one row per service that must apply it, until every
service has; then the rows go too (see deletions.service.forget)."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from auth.database import Base


class AccountDeletion(Base):
    __tablename__ = "account_deletion"

    # No foreign key: the user row is gone as soon as the deletion is asked for.
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    service: Mapped[str] = mapped_column(String(32), primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
