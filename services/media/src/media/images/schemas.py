from datetime import datetime
from typing import Annotated

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from common.ids import UserId
from common.image_urls import signed_query
from common.text import NUL_FREE
from media.images.models import DESCRIPTION_MAX_LENGTH, Media

Description = Annotated[str, Field(max_length=DESCRIPTION_MAX_LENGTH), NUL_FREE]


class MediaUpdate(BaseModel):
    """What an owner may change: the alt text."""

    model_config = ConfigDict(extra="forbid")

    description: Description


class MediaUrls(BaseModel):
    original: str
    thumb_small: str
    thumb_large: str


class GpsRead(BaseModel):
    lat: float
    lon: float


class ExifRead(BaseModel):
    camera_make: str | None
    camera_model: str | None
    lens: str | None
    iso: int | None
    exposure_time: float | None
    f_number: float | None
    focal_length: float | None
    taken_at: datetime | None
    # Where the photo was taken: only ever shown to its owner.
    gps: GpsRead | None


class MediaRead(BaseModel):
    id: str
    owner_id: UserId
    content_type: str
    width: int
    height: int
    bytes: int
    sha256: str
    urls: MediaUrls
    exif: ExifRead
    created_at: datetime
    # Alt text; a blurhash (4×3 components) to paint while the image loads (null only
    # for an old image the backfill has not reached yet).
    description: str
    blurhash: str | None

    @classmethod
    def build(
        cls,
        media: Media,
        *,
        public_url: str,
        viewer_id: UserId | None,
        signing_secret: SecretStr,
    ) -> "MediaRead":
        base = f"{public_url.rstrip('/')}/media/{media.id}"
        # Signed: whoever was shown this media may load its bytes, even once a post shows it.
        small = signed_query(signing_secret, media.id, "thumb_small")
        large = signed_query(signing_secret, media.id, "thumb_large")
        show_gps = viewer_id == media.owner_id and media.gps_latitude is not None
        return cls(
            id=str(media.id),
            owner_id=media.owner_id,
            content_type=media.content_type,
            width=media.width,
            height=media.height,
            bytes=media.bytes,
            sha256=media.sha256,
            urls=MediaUrls(
                original=f"{base}/original?{signed_query(signing_secret, media.id, 'original')}",
                thumb_small=f"{base}/thumb?size=small&{small}",
                thumb_large=f"{base}/thumb?size=large&{large}",
            ),
            exif=ExifRead(
                camera_make=media.camera_make,
                camera_model=media.camera_model,
                lens=media.lens,
                iso=media.iso,
                exposure_time=media.exposure_time,
                f_number=media.f_number,
                focal_length=media.focal_length,
                taken_at=media.taken_at,
                gps=GpsRead(lat=media.gps_latitude, lon=media.gps_longitude)
                if show_gps and media.gps_longitude is not None
                else None,
            ),
            created_at=media.created_at,
            description=media.description,
            blurhash=media.blurhash,
        )


def valid_description(description: str) -> str:
    # A form field checked by the JSON body's rules, with FastAPI's own 422 shape.
    try:
        return MediaUpdate.model_validate({"description": description}).description
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from exc
