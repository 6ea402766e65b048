"""Per-user storage usage: the row every upload reserves its bytes on."""

from sqlalchemy import BigInteger, CheckConstraint, Integer
from sqlalchemy.orm import Mapped, mapped_column

from common.ids import UserId
from media.database import Base


class MediaUsage(Base):
    __tablename__ = "media_usage"
    __table_args__ = (
        CheckConstraint("used_bytes >= 0", name="used_bytes_not_negative"),
        CheckConstraint("media_count >= 0", name="media_count_not_negative"),
    )

    owner_id: Mapped[UserId] = mapped_column(primary_key=True)
    used_bytes: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    media_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
