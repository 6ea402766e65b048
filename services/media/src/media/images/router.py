from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status

from common.db import SessionDep
from common.ids import UserId
from common.internal import InternalCaller
from common.openapi import raises
from common.pagination import IdPageDep, Page
from common.tokens import CurrentUser, OptionalUser
from media.config import Settings
from media.dependencies import ImagePoolDep, LiveUser, ObjectsDep, SettingsDep, SocialDep
from media.images import service
from media.images.dependencies import MediaDep, OwnedMediaDep, UploadDep
from media.images.exceptions import (
    CorruptImage,
    ImageTooLarge,
    InvalidDimensions,
    MediaInUse,
    NotAnImage,
    QuotaExceeded,
)
from media.images.models import Media
from media.images.schemas import MediaRead, MediaUpdate, valid_description
from media.serving import serve_object

router = APIRouter(tags=["media"])

# Ids are never reused, so a representation never changes; a day bounds how long a copy
# of a deleted image may live on in caches.
IMAGE_CACHE_CONTROL = "public, max-age=86400"

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        # Text whatever it looks like: only its length and content rules.
                        "description": {
                            **{
                                k: v
                                for k, v in MediaUpdate.model_json_schema()["properties"][
                                    "description"
                                ].items()
                                if k != "type"
                            },
                            "default": "",
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "/media",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=UPLOAD_BODY,
    responses={200: {"description": "The same bytes were already stored: that media"}},
)
@raises(QuotaExceeded, NotAnImage, CorruptImage, ImageTooLarge, InvalidDimensions)
async def upload_media(
    user: LiveUser,
    upload: UploadDep,
    response: Response,
    session: SessionDep,
    objects: ObjectsDep,
    pool: ImagePoolDep,
    settings: SettingsDep,
    pending: Annotated[
        bool,
        Query(
            description="For a post about to be created: reclaimed after a grace period "
            "unless a post takes it"
        ),
    ] = False,
) -> MediaRead:
    description = upload.fields.get("description")
    if description is not None:
        description = valid_description(description)
    media, created = await service.store_image(
        session=session,
        objects=objects,
        pool=pool,
        settings=settings,
        owner_id=user.id,
        upload=upload,
        pending=pending,
        description=description,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return _read(media, settings, viewer_id=user.id)


def _read(media: Media, settings: Settings, *, viewer_id: UserId | None) -> MediaRead:
    return MediaRead.build(
        media,
        public_url=settings.public_url,
        viewer_id=viewer_id,
        signing_secret=settings.internal_token,
    )


# Query parameters of a link social signed (see common.image_urls).
Expires = Annotated[int | None, Query(alias="exp", description="A signed link's expiry")]
Signature = Annotated[str | None, Query(alias="sig", max_length=64, description="Its signature")]


@router.get("/media")
async def list_my_media(
    user: CurrentUser, page: IdPageDep, session: SessionDep, settings: SettingsDep
) -> Page[MediaRead]:
    """The caller's uploads, newest first."""
    rows = await service.list_owned(session=session, owner_id=user.id, page=page)
    return page.page(
        rows,
        key=lambda row: row.id,
        item=lambda row: _read(row, settings, viewer_id=user.id),
    )


@router.get("/media/{media_id}")
async def get_media(
    media: MediaDep,
    user: OptionalUser,
    settings: SettingsDep,
    exp: Expires = None,
    sig: Signature = None,
) -> MediaRead:
    """A media's metadata: for a post's image, to its owner or on its original's signed
    link only."""
    viewer_id = user.id if user else None
    service.ensure_viewable(
        media=media,
        variant="original",
        viewer_id=viewer_id,
        expires=exp,
        signature=sig,
        secret=settings.internal_token,
    )
    return _read(media, settings, viewer_id=viewer_id)


@router.patch("/media/{media_id}")
async def update_media(
    changes: MediaUpdate,
    media: OwnedMediaDep,
    session: SessionDep,
    settings: SettingsDep,
    social: SocialDep,
) -> MediaRead:
    """Change the alt text (owner only); the posts that show the image follow."""
    updated = await service.describe(
        session=session, media=media, description=changes.description, social=social
    )
    return _read(updated, settings, viewer_id=media.owner_id)


@router.get("/media/{media_id}/original", response_class=Response)
async def get_original(
    media: MediaDep,
    request: Request,
    objects: ObjectsDep,
    user: OptionalUser,
    settings: SettingsDep,
    exp: Expires = None,
    sig: Signature = None,
) -> Response:
    service.ensure_viewable(
        media=media,
        variant="original",
        viewer_id=user.id if user else None,
        expires=exp,
        signature=sig,
        secret=settings.internal_token,
    )
    return await serve_object(
        request,
        objects,
        key=media.original_key,
        etag=f'"{media.id}-original"',
        content_type=media.content_type,
        cache_control=IMAGE_CACHE_CONTROL,
    )


@router.get("/media/{media_id}/thumb", response_class=Response)
async def get_thumb(
    media: MediaDep,
    request: Request,
    objects: ObjectsDep,
    user: OptionalUser,
    settings: SettingsDep,
    size: Literal["small", "large"] = "small",
    exp: Expires = None,
    sig: Signature = None,
) -> Response:
    service.ensure_viewable(
        media=media,
        variant="thumb_small" if size == "small" else "thumb_large",
        viewer_id=user.id if user else None,
        expires=exp,
        signature=sig,
        secret=settings.internal_token,
    )
    return await serve_object(
        request,
        objects,
        key=media.thumb_small_key if size == "small" else media.thumb_large_key,
        etag=f'"{media.id}-{size}"',
        content_type="image/webp",
        cache_control=IMAGE_CACHE_CONTROL,
    )


@router.delete("/media/{media_id}", status_code=status.HTTP_204_NO_CONTENT)
@raises(MediaInUse)
async def delete_media(
    media: OwnedMediaDep, session: SessionDep, objects: ObjectsDep, social: SocialDep
) -> None:
    """Delete an image of one's own, unless a post or an avatar still shows it (409)."""
    if await social.media_in_use(media.id):
        raise MediaInUse()
    await service.delete_media(session=session, objects=objects, media=media)


internal_router = APIRouter(prefix="/internal", tags=["internal"], dependencies=[InternalCaller])


@internal_router.delete("/media/{media_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_media_internal(media: MediaDep, session: SessionDep, objects: ObjectsDep) -> None:
    """For social: a deleted post takes its image along, whoever asks on the owner's behalf."""
    await service.delete_media(session=session, objects=objects, media=media)


@internal_router.get("/media/{media_id}")
async def get_media_internal(media: MediaDep, settings: SettingsDep) -> MediaRead:
    """For social: a media's owner, size, blurhash and alt text, for a post about to show it."""
    return _read(media, settings, viewer_id=None)


@internal_router.put("/media/{media_id}/attachment", status_code=status.HTTP_204_NO_CONTENT)
async def attach_media(media: MediaDep, session: SessionDep) -> None:
    """For social: a post now shows this media, so it is no longer pending."""
    await service.attach_media(session=session, media=media)
