import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from federation.database import Base


class RemoteActor(Base):
    """What we keep of a fediverse actor: where its key is and where its inboxes are."""

    __tablename__ = "remote_actor"

    actor_uri: Mapped[str] = mapped_column(Text, primary_key=True)
    key_id: Mapped[str] = mapped_column(Text, index=True)
    public_key_pem: Mapped[str] = mapped_column(Text)
    inbox: Mapped[str] = mapped_column(Text)
    shared_inbox: Mapped[str | None] = mapped_column(Text)
    # preferredUsername (else its id's last path segment), and the host of its id: social
    # names the profile user@host.
    username: Mapped[str] = mapped_column(String(255))
    host: Mapped[str] = mapped_column(String(255))
    # Social's profile for it, once made (PUT remote-accounts); None until then.
    profile_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @property
    def delivery_inbox(self) -> str:
        """Where activities for many of its server's actors go at once."""
        return self.shared_inbox or self.inbox
