"""A public profile: one per auth user, or per remote account that federation told us of
(`actor_uri` set), with the counters every profile page shows."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement, SQLCoreOperations

from social.database import Base

BIO_MAX_LENGTH = 150


def username_search_key(username: SQLCoreOperations[str]) -> ColumnElement[str]:
    """lower(username) in the "C" collation: bytewise order, so a prefix is one index range
    (and the ORDER BY of a search is the index's own order)."""
    return func.lower(username).collate("C")


class Profile(Base):
    __tablename__ = "profile"
    __table_args__ = (
        CheckConstraint("posts_count >= 0", name="posts_count_non_negative"),
        CheckConstraint("followers_count >= 0", name="followers_count_non_negative"),
        CheckConstraint("following_count >= 0", name="following_count_non_negative"),
    )

    # The auth user id: profiles are keyed by it, never by a local id (a remote account's
    # is made up here, a UUIDv7).
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # A remote account's is `user@host`, which no local username can be.
    username: Mapped[str] = mapped_column(String(64))
    # A remote account's ActivityPub actor; NULL for a local user.
    actor_uri: Mapped[str | None] = mapped_column(Text, unique=True)
    # When auth said this was the username (event time or token iat): older news never
    # overwrites newer, whichever of the stream and a token arrives first.
    username_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    bio: Mapped[str] = mapped_column(String(BIO_MAX_LENGTH), default="", server_default="")
    avatar_media_id: Mapped[uuid.UUID | None]
    # Private: only approved followers see its posts and its follow lists.
    is_private: Mapped[bool] = mapped_column(default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    posts_count: Mapped[int] = mapped_column(default=0, server_default="0")
    followers_count: Mapped[int] = mapped_column(default=0, server_default="0")
    following_count: Mapped[int] = mapped_column(default=0, server_default="0")


# People search: a username prefix, paged on (key, id).
Index("ix_profile_username_search", username_search_key(Profile.username), Profile.id)
# The private accounts (5 % of them in bench/feed.py), read by every feed's private_to()
# filter: without it each page scanned all profiles (17 ms at 100k).
Index("ix_profile_private_id", Profile.id, postgresql_where=Profile.is_private)
