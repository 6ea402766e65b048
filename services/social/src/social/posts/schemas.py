"""Posts as the API takes and shows them."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from common.text import NUL_FREE
from social.mentions.schemas import MentionRead
from social.models import CAPTION_MAX_LENGTH, ReactionKind
from social.profiles.schemas import AuthorRead

Caption = Annotated[str, Field(max_length=CAPTION_MAX_LENGTH), NUL_FREE]


class PostCreate(BaseModel):
    """JSON body: a post of an image the caller already uploaded to media."""

    model_config = ConfigDict(extra="forbid")

    media_id: uuid.UUID
    caption: Caption = ""


class PostUploadForm(BaseModel):
    """The text fields of the multipart body; the image travels beside them."""

    caption: Caption = ""


@dataclass(frozen=True)
class PostUpload:
    """Multipart body: a new image for media, and the post's caption."""

    image: UploadFile
    caption: str


class PostRead(BaseModel):
    id: uuid.UUID
    author: AuthorRead
    caption: str
    image_url: str
    thumbnail_url: str
    created_at: datetime
    like_count: int
    dislike_count: int
    comment_count: int
    viewer_reaction: ReactionKind | None
    # The caption's hashtags (normalised) and the users it names, in the order written.
    tags: list[str]
    mentions: list[MentionRead]
    # Whether the viewer bookmarked it (always false for an anonymous viewer).
    bookmarked: bool


class MediaUsage(BaseModel):
    in_use: bool
