"""The Mastodon client API's media: `POST /api/v2/media`, `GET/PUT /api/v1/media/{id}`,
the same uploads, quotas and alt text as `/media`, answered as MediaAttachments."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from common.app_tokens import app_scope
from common.db import SessionDep
from common.deleted_users import refuse_deleted
from common.errors import Forbidden
from common.image_urls import signed_query
from common.mastodon import body_openapi, mastodon_body
from common.openapi import raises
from common.tokens import Principal
from media.accounts.models import DeletedUser
from media.config import Settings
from media.dependencies import ImagePoolDep, ObjectsDep, SettingsDep, SocialDep
from media.images import service
from media.images.dependencies import MediaDep, UploadDep
from media.images.exceptions import (
    CorruptImage,
    ImageTooLarge,
    InvalidDimensions,
    NotAnImage,
    QuotaExceeded,
)
from media.images.models import Media
from media.images.router import UPLOAD_BODY
from media.images.schemas import Description, valid_description

router = APIRouter(tags=["mastodon"])


async def media_writer(
    session: SessionDep, principal: Annotated[Principal, Depends(app_scope("write:media"))]
) -> Principal:
    """An app token with `write:media`, of an account that still exists."""
    await refuse_deleted(session, DeletedUser, user_id=principal.id)
    return principal


MediaWriter = Annotated[Principal, Depends(media_writer)]


@raises(Forbidden)
async def own_attachment(media: MediaDep, writer: MediaWriter) -> Media:
    if media.owner_id != writer.id:
        raise Forbidden("This action is not allowed", code="not_media_owner")
    return media


OwnAttachment = Annotated[Media, Depends(own_attachment)]


class MediaAttachment(BaseModel):
    """Mastodon's MediaAttachment."""

    id: str
    type: str
    url: str
    preview_url: str
    remote_url: str | None = None
    preview_remote_url: str | None = None
    text_url: str | None = None
    meta: dict[str, Any]
    description: str | None
    blurhash: str | None


class AttachmentUpdate(BaseModel):
    description: Description | None = None
    focus: str | None = Field(default=None, max_length=40)  # accepted, ignored: no focal points


def attachment(media: Media, settings: Settings) -> MediaAttachment:
    base = f"{settings.public_url.rstrip('/')}/media/{media.id}"
    secret = settings.internal_token
    size = {
        "width": media.width,
        "height": media.height,
        "size": f"{media.width}x{media.height}",
        "aspect": media.width / media.height if media.height else 1.0,
    }
    return MediaAttachment(
        id=str(media.id),
        type="image",
        url=f"{base}/original?{signed_query(secret, media.id, 'original')}",
        preview_url=f"{base}/thumb?size=small&{signed_query(secret, media.id, 'thumb_small')}",
        meta={"original": size, "small": dict(size)},
        description=media.description or None,
        blurhash=media.blurhash,
    )


@router.post("/api/v2/media", response_model=MediaAttachment, openapi_extra=UPLOAD_BODY)
@router.post("/api/v1/media", response_model=MediaAttachment, openapi_extra=UPLOAD_BODY)
@raises(QuotaExceeded, NotAnImage, CorruptImage, ImageTooLarge, InvalidDimensions)
async def upload(
    writer: MediaWriter,
    upload: UploadDep,
    session: SessionDep,
    objects: ObjectsDep,
    pool: ImagePoolDep,
    settings: SettingsDep,
) -> MediaAttachment:
    """Upload an image for a status (pending until a status takes it, as a post's
    uploads are), with its alt text as `description`."""
    description = upload.fields.get("description")
    media, _created = await service.store_image(
        session=session,
        objects=objects,
        pool=pool,
        settings=settings,
        owner_id=writer.id,
        upload=upload,
        pending=True,
        description=valid_description(description) if description is not None else None,
    )
    return attachment(media, settings)


@router.get("/api/v1/media/{media_id}", response_model=MediaAttachment)
async def get_attachment(media: OwnAttachment, settings: SettingsDep) -> MediaAttachment:
    """One of the caller's uploads."""
    return attachment(media, settings)


@router.put(
    "/api/v1/media/{media_id}",
    response_model=MediaAttachment,
    openapi_extra=body_openapi(AttachmentUpdate),
)
@raises(422)
async def update_attachment(
    media: OwnAttachment,
    changes: Annotated[AttachmentUpdate, Depends(mastodon_body(AttachmentUpdate))],
    session: SessionDep,
    settings: SettingsDep,
    social: SocialDep,
) -> MediaAttachment:
    """Change the alt text; the posts that show the image follow (as PATCH /media/{id})."""
    if changes.description is not None:
        media = await service.describe(
            session=session,
            media=media,
            description=valid_description(changes.description),
            social=social,
        )
    return attachment(media, settings)
