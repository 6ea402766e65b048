"""Posts as the API takes and shows them."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.datastructures import UploadFile

from common.text import NUL_FREE
from social.mentions.schemas import MentionRead
from social.models import (
    ALT_MAX_LENGTH,
    CAPTION_MAX_LENGTH,
    IMAGES_MAX,
    SPOILER_TEXT_MAX_LENGTH,
    ReactionKind,
)
from social.profiles.schemas import AuthorRead

Caption = Annotated[str, Field(max_length=CAPTION_MAX_LENGTH), NUL_FREE]
SpoilerText = Annotated[str, Field(max_length=SPOILER_TEXT_MAX_LENGTH), NUL_FREE]
Alt = Annotated[str, Field(max_length=ALT_MAX_LENGTH), NUL_FREE]


class PostCreate(BaseModel):
    """JSON body: a post of images the caller already uploaded to media, in order (each
    media's description is its alt text). `media_id` alone is the one-image form."""

    model_config = ConfigDict(extra="forbid")

    media_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=IMAGES_MAX)] = []
    media_id: uuid.UUID | None = None
    caption: Caption = ""
    sensitive: bool = False
    spoiler_text: SpoilerText = ""

    @model_validator(mode="after")
    def one_list_of_images(self) -> "PostCreate":
        if (self.media_id is None) == (not self.media_ids):
            raise ValueError("Send media_ids (1 to 10 images), or one media_id")
        if self.media_id is not None:
            self.media_ids = [self.media_id]
        return self


class PostUploadForm(BaseModel):
    """The text fields of the multipart body; the images travel beside them, an `alt`
    part for each in the same order."""

    caption: Caption = ""
    sensitive: bool = False
    spoiler_text: SpoilerText = ""
    alts: list[Alt] = []


@dataclass(frozen=True)
class PostUpload:
    """Multipart body: 1–10 new images for media with their alt texts, and the post's text."""

    images: list[UploadFile]
    alts: list[str]
    caption: str
    sensitive: bool
    spoiler_text: str


class PostUpdate(BaseModel):
    """What its author may change about a post."""

    model_config = ConfigDict(extra="forbid")

    caption: Caption | None = None
    sensitive: bool | None = None
    spoiler_text: SpoilerText | None = None


class ImageRead(BaseModel):
    """One image of a post; `url` and `thumbnail_url` are short-lived signed links."""

    media_id: uuid.UUID
    url: str
    thumbnail_url: str
    # Null only for an image of a post made before albums, until social has asked media.
    width: int | None
    height: int | None
    blurhash: str | None
    alt: str


class PostRead(BaseModel):
    id: uuid.UUID
    author: AuthorRead
    caption: str
    # The first image's links, as before albums.
    image_url: str
    thumbnail_url: str
    images: list[ImageRead]
    # A content warning: show `spoiler_text` and hide the images until asked.
    sensitive: bool
    spoiler_text: str
    created_at: datetime
    edited_at: datetime | None
    like_count: int
    dislike_count: int
    comment_count: int
    viewer_reaction: ReactionKind | None
    # The caption's hashtags (normalised) and the users it names, in the order written.
    tags: list[str]
    mentions: list[MentionRead]
    # Whether the viewer bookmarked it (always false for an anonymous viewer).
    bookmarked: bool


class AltUpdate(BaseModel):
    """From media: a media's new description, the alt text of every post image it is."""

    alt: Alt


class MediaUsage(BaseModel):
    in_use: bool
