"""Mastodon's entities (docs.joinmastodon.org/entities), as its clients read them: ids as
strings, HTML where Mastodon has HTML, every required field present."""

import uuid
from typing import Any

from pydantic import BaseModel, Field, model_validator

from social.models import IMAGES_MAX
from social.posts.schemas import Caption, SpoilerText


class Field_(BaseModel):  # Mastodon's profile metadata field (none here yet)
    name: str
    value: str
    verified_at: str | None = None


class Account(BaseModel):
    id: str
    username: str
    acct: str
    url: str
    uri: str
    display_name: str
    note: str
    avatar: str
    avatar_static: str
    header: str
    header_static: str
    locked: bool
    fields: list[Field_] = Field(default_factory=list)
    emojis: list[dict[str, Any]] = Field(default_factory=list)
    bot: bool = False
    group: bool = False
    discoverable: bool | None = True
    indexable: bool = True
    noindex: bool | None = False
    created_at: str
    last_status_at: str | None = None
    statuses_count: int
    followers_count: int
    following_count: int


class AccountSource(BaseModel):
    privacy: str
    sensitive: bool = False
    language: str | None = None
    note: str
    fields: list[Field_] = Field(default_factory=list)
    follow_requests_count: int = 0


class CredentialAccount(Account):
    """The caller's own Account, with `source` (what the settings screen edits)."""

    source: AccountSource


class InstanceStats(BaseModel):
    user_count: int
    status_count: int
    domain_count: int


class InstanceV1(BaseModel):
    uri: str
    title: str
    short_description: str
    description: str
    email: str
    version: str
    urls: dict[str, str]
    stats: InstanceStats
    thumbnail: str | None
    languages: list[str]
    registrations: bool
    approval_required: bool
    invites_enabled: bool
    configuration: dict[str, Any]
    contact_account: Account | None = None
    rules: list[dict[str, Any]] = Field(default_factory=list)


class InstanceV2(BaseModel):
    domain: str
    title: str
    version: str
    source_url: str
    description: str
    usage: dict[str, Any]
    thumbnail: dict[str, Any]
    icon: list[dict[str, Any]] = Field(default_factory=list)
    languages: list[str]
    configuration: dict[str, Any]
    registrations: dict[str, Any]
    api_versions: dict[str, int] = Field(default_factory=dict)
    contact: dict[str, Any]
    rules: list[dict[str, Any]] = Field(default_factory=list)


class Tag(BaseModel):
    name: str
    url: str


class Mention(BaseModel):
    id: str
    username: str
    acct: str
    url: str


class MediaAttachment(BaseModel):
    id: str
    type: str
    url: str
    preview_url: str | None
    remote_url: str | None
    meta: dict[str, Any]
    description: str | None
    blurhash: str | None


class Status(BaseModel):
    """Mastodon's Status (the fields this platform fills; the rest are Mastodon's empties)."""

    id: str
    uri: str
    url: str | None
    created_at: str
    edited_at: str | None
    account: Account
    content: str
    visibility: str
    sensitive: bool
    spoiler_text: str
    media_attachments: list[MediaAttachment]
    mentions: list[Mention]
    tags: list[Tag]
    emojis: list[dict[str, Any]]
    reblogs_count: int
    favourites_count: int
    replies_count: int
    favourited: bool
    reblogged: bool
    muted: bool
    bookmarked: bool
    pinned: bool
    in_reply_to_id: str | None
    in_reply_to_account_id: str | None
    reblog: dict[str, Any] | None
    poll: dict[str, Any] | None
    card: dict[str, Any] | None
    language: str | None
    text: str | None
    application: dict[str, Any] | None
    filtered: list[dict[str, Any]]


class StatusCreate(BaseModel):
    """`POST /api/v1/statuses`: a post here is photos, so `media_ids` is required, unless
    it is a reply (`in_reply_to_id`), which is a comment: text, no images."""

    status: Caption = ""
    media_ids: list[uuid.UUID] = Field(default_factory=list, max_length=IMAGES_MAX)
    in_reply_to_id: str | None = Field(default=None, max_length=64)
    sensitive: bool = False
    spoiler_text: SpoilerText = ""
    # Who sees a post is the account's (public, or followers for a private account): the
    # visibility asked is accepted, and the Status answers the one that applies.
    visibility: str | None = None
    language: str | None = None

    @model_validator(mode="after")
    def photos_or_reply(self) -> "StatusCreate":
        if self.in_reply_to_id is None and not self.media_ids:
            raise ValueError("A post needs 1 to 10 photos (media_ids)")
        if self.in_reply_to_id is not None and self.media_ids:
            raise ValueError("A reply is a comment: text only, no media_ids")
        return self


class Relationship(BaseModel):
    """Mastodon's Relationship: where the caller stands with an account."""

    id: str
    following: bool
    showing_reblogs: bool
    notifying: bool
    languages: list[str] | None = None
    followed_by: bool
    blocking: bool
    blocked_by: bool
    muting: bool
    muting_notifications: bool
    requested: bool
    requested_by: bool
    domain_blocking: bool = False
    endorsed: bool = False
    note: str = ""


class Context(BaseModel):
    """A status's thread: a post's comments are its descendants, a comment's post its
    ancestor (social.mastodon.replies)."""

    ancestors: list[Status]
    descendants: list[Status]


class SearchResults(BaseModel):
    accounts: list[Account]
    statuses: list[Status]
    hashtags: list[Tag]
