"""What social and federation tell each other (`/internal/federation/...`): local users,
posts and comments as federation writes them out, and what arrived from other servers."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from social.models import IMAGES_MAX


class FedUser(BaseModel):
    """A local user, for its actor document."""

    id: uuid.UUID
    username: str
    bio: str
    avatar_url: str | None
    is_private: bool
    created_at: datetime
    posts_count: int
    followers_count: int
    following_count: int


class FedImage(BaseModel):
    # Signed, valid for an hour at least: federation hands it out in the Note.
    url: str
    # As media sniffed it; null for an image posted before federation.
    media_type: str | None
    alt: str
    width: int | None
    height: int | None
    blurhash: str | None


class FedMention(BaseModel):
    username: str
    # Null: a local user.
    actor_uri: str | None


class FedPost(BaseModel):
    """A local post or comment, for its Note."""

    id: uuid.UUID
    kind: Literal["post", "comment"]
    author_username: str
    created_at: datetime
    edited_at: datetime | None
    content_html: str
    text: str
    sensitive: bool
    spoiler_text: str
    # A private account's posts (and the comments on them) are for its followers.
    visibility: Literal["public", "followers"]
    images: list[FedImage]
    tags: list[str]
    mentions: list[FedMention]
    # A comment's post: its Note id (ours) or its uri (a remote post).
    in_reply_to: str | None
    post_id: uuid.UUID


class FedPerson(BaseModel):
    # Null: a local user.
    actor_uri: str | None
    username: str


class FedPeoplePage(BaseModel):
    items: list[FedPerson]
    total: int
    next_cursor: str | None


class LocalStats(BaseModel):
    """For NodeInfo: local users and their posts."""

    users: int
    posts: int


class RemoteFollowers(BaseModel):
    """The actors of a user's accepted remote followers: where the user's posts go."""

    actor_uris: list[str]


class RemoteAccount(BaseModel):
    """A remote actor, as federation read it (upserted by its actor_uri)."""

    actor_uri: Annotated[str, Field(min_length=1)]
    # `user@host`: no local username holds an "@".
    username: Annotated[str, Field(min_length=3, max_length=64, pattern=r"^[^@\s]+@[^@\s]+$")]
    # Its display name: not shown here (profiles show the username), taken for the record.
    name: str = ""
    # Plain text; what does not fit a bio here is cut.
    bio: str = ""
    # Its avatar, already fetched and stored by media (owner: this profile).
    avatar_media_id: uuid.UUID | None = None
    # Its follows are approved by hand: its posts here are for its followers.
    manually_approves: bool = False


class RemoteAccountStored(BaseModel):
    id: uuid.UUID


class RemoteImage(BaseModel):
    """An image of a remote post, already fetched and stored by media."""

    media_id: uuid.UUID
    alt: str = ""
    width: int | None = None
    height: int | None = None
    blurhash: str | None = None
    media_type: str | None = None


class RemoteObject(BaseModel):
    """A remote Note: a post (images), or a reply to a post we know (a comment)."""

    uri: Annotated[str, Field(min_length=1)]
    actor_uri: str
    # Plain text; what does not fit a caption or a comment here is cut.
    text: str = ""
    sensitive: bool = False
    spoiler_text: str = ""
    published: datetime
    updated: datetime | None = None
    in_reply_to: str | None = None
    url: str | None = None
    images: Annotated[list[RemoteImage], Field(max_length=IMAGES_MAX)] = []


class RemoteObjectStored(BaseModel):
    kind: Literal["post", "comment"]
    id: uuid.UUID


class RemoteFollow(BaseModel):
    """A remote actor follows a local user."""

    actor_uri: str
    username: str


class FollowState(BaseModel):
    """Accepted at once (a public account), or pending its owner's approval."""

    state: Literal["accepted", "pending"]


class FollowAnswer(BaseModel):
    """A remote account answered a local user's Follow."""

    username: str
    actor_uri: str
    accepted: bool


class RemoteLike(BaseModel):
    actor_uri: str
    # The local post's id (the last part of its Note id).
    object_id: uuid.UUID
