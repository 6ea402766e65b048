"""A password reset asked for an address, answered by a loop rather than the request."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, func
from sqlalchemy.orm import Mapped, mapped_column

from auth.database import Base
from common.ids import new_id


class PasswordResetRequest(Base):
    """Written by `POST /auth/password/forgot` whatever the address: whether it has an
    account is looked up later, so the request does the same work, and takes the same
    time, either way."""

    __tablename__ = "password_reset_request"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # The address and the asker's language, encrypted (SecretBox): an address, until it
    # is answered.
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
