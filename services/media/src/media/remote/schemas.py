from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from common.ids import UserId
from common.text import NUL_FREE
from media.images.models import SOURCE_URL_MAX_LENGTH, Media


class RemoteMediaCreate(BaseModel):
    """An image on another server, to be kept here for a remote profile (social's id)."""

    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, Field(min_length=1, max_length=SOURCE_URL_MAX_LENGTH), NUL_FREE]
    owner_id: UserId


class RemoteMediaRead(BaseModel):
    """What a post or a profile shows of the image: social copies it."""

    id: str
    width: int
    height: int
    blurhash: str | None
    media_type: str

    @classmethod
    def build(cls, media: Media) -> "RemoteMediaRead":
        return cls(
            id=str(media.id),
            width=media.width,
            height=media.height,
            blurhash=media.blurhash,
            media_type=media.content_type,
        )
