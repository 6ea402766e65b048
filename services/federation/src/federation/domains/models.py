from datetime import datetime

from sqlalchemy import DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from federation.database import Base


class DomainBlock(Base):
    """A server the operator cut off: nothing from it is taken, nothing is sent to it."""

    __tablename__ = "domain_block"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
