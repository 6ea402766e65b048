from datetime import datetime

from sqlalchemy import DateTime, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from federation.database import Base


class InboundFollow(Base):
    """A remote actor's Follow of a local user: our Accept or Reject names its id."""

    __tablename__ = "inbound_follow"

    actor_uri: Mapped[str] = mapped_column(Text, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    activity_uri: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OutboundFollow(Base):
    """A local user's Follow of a remote actor: their Accept or Reject, and our Undo, name it."""

    __tablename__ = "outbound_follow"
    __table_args__ = (UniqueConstraint("username", "actor_uri"),)

    activity_uri: Mapped[str] = mapped_column(Text, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    actor_uri: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
