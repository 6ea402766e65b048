"""Profiles as the API shows them."""

import enum
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from common.text import NUL_FREE
from social.models import BIO_MAX_LENGTH


class AuthorRead(BaseModel):
    """A user as shown next to a post or in a follower list."""

    id: uuid.UUID
    username: str
    avatar_url: str | None


class FollowStatus(enum.StrEnum):
    """Where the viewer stands with a user: a private account's follow waits for approval."""

    none = "none"
    requested = "requested"
    following = "following"


class ProfileRead(AuthorRead):
    bio: str
    created_at: datetime
    followers_count: int
    following_count: int
    posts_count: int
    is_following: bool
    # Private: only approved followers see its posts and follow lists.
    is_private: bool
    follow_status: FollowStatus
    # What the viewer has put on this user (always false for an anonymous viewer).
    is_blocking: bool
    is_muting: bool


class ProfileMatchRead(AuthorRead):
    """A user found by people search."""

    bio: str
    is_following: bool


class ProfileUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bio: Annotated[str, Field(max_length=BIO_MAX_LENGTH), NUL_FREE] | None = None
    avatar_media_id: uuid.UUID | None = None
    # Turning it off approves every pending follow request.
    is_private: bool | None = None


class StatsRead(BaseModel):
    posts: int
    followers: int
    following: int
    likes_received: int
