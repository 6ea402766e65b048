from datetime import datetime

from pydantic import BaseModel

from common.ids import UserId
from media.images.models import Media


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

    @classmethod
    def build(cls, media: Media, *, public_url: str, viewer_id: UserId | None) -> "MediaRead":
        base = f"{public_url.rstrip('/')}/media/{media.id}"
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
                original=f"{base}/original",
                thumb_small=f"{base}/thumb?size=small",
                thumb_large=f"{base}/thumb?size=large",
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
        )
