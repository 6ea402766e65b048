"""Notifications: what others did to a user's posts and profile, grouped where it helps.

A notification has its actors in `notification_actor`: one for a comment or a follow, and
for likes every liker of one post within a time window ("minji and 12 others"). When an
actor joins a group the notification takes a new `sort_id`, the id the API shows, so it
sorts (and pages) as the newest again and reads as unread; its actors keep pointing at
its own id, so a join writes two rows however large the group.
"""

import enum
import uuid
from datetime import datetime

from sqlalchemy import DateTime, Enum, ForeignKey, Index, func, text
from sqlalchemy.orm import Mapped, mapped_column

from common.ids import new_id
from social.database import Base


class NotificationKind(enum.StrEnum):
    like = "like"
    comment = "comment"
    follow = "follow"
    # Named with @username in a post's caption or a comment.
    mention = "mention"
    # Asked to follow the recipient's private account; the recipient approved a follow.
    follow_request = "follow_request"
    follow_approved = "follow_approved"


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        # A user's notifications newest first, paged on the sort id.
        Index("ix_notification_recipient_id_sort_id", "recipient_id", "sort_id"),
        # The unread badge counts only unread rows.
        Index(
            "ix_notification_recipient_id_unread",
            "recipient_id",
            postgresql_where=text("NOT read"),
        ),
        # A post's like group; and the cascades of post and comment deletes.
        Index("ix_notification_post_id", "post_id"),
        Index("ix_notification_comment_id", "comment_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # UUIDv7 of the latest activity: the order, the cursor and the API's `id`.
    sort_id: Mapped[uuid.UUID] = mapped_column(default=new_id, unique=True)
    recipient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profile.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(
        Enum(NotificationKind, name="notification_kind", native_enum=False, length=16)
    )
    post_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    comment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE")
    )
    actors_count: Mapped[int] = mapped_column(default=0, server_default="0")
    read: Mapped[bool] = mapped_column(default=False, server_default="false")
    # When the group opened: a like joins it only within the window from here.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # When the latest actor joined: what the notification's time reads as.
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class NotificationActor(Base):
    __tablename__ = "notification_actor"
    __table_args__ = (
        # Withdrawing an actor's notifications (unlike, unfollow, block, mute, deletion).
        Index("ix_notification_actor_actor_id", "actor_id"),
        # A group's latest few actors, however many it has.
        Index("ix_notification_actor_notification_id_created_at", "notification_id", "created_at"),
    )

    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notification.id", ondelete="CASCADE"), primary_key=True
    )
    actor_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("profile.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
