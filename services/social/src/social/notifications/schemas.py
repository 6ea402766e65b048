"""Notifications as the API shows them."""

import uuid
from datetime import datetime

from pydantic import BaseModel

from social.models import NotificationKind
from social.profiles.schemas import AuthorRead


class NotifiedPost(BaseModel):
    id: uuid.UUID
    thumbnail_url: str


class NotifiedComment(BaseModel):
    id: uuid.UUID
    content: str


class NotificationRead(BaseModel):
    id: uuid.UUID
    kind: NotificationKind
    # The latest few; `actors_count` is how many there are in all.
    actors: list[AuthorRead]
    actors_count: int
    post: NotifiedPost | None
    comment: NotifiedComment | None
    # When the latest actor acted.
    created_at: datetime
    read: bool


class UnreadCount(BaseModel):
    count: int


class MarkRead(BaseModel):
    up_to_id: uuid.UUID
