import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from common.db import SessionDep
from common.errors import Forbidden
from common.openapi import raises
from common.tokens import CurrentUser
from media.dependencies import SettingsDep
from media.images import repository
from media.images.exceptions import FileRequired, FileTooLarge, MediaNotFound
from media.images.models import Media
from media.images.upload import ReceivedFile, receive_file_field


async def get_media(media_id: str, session: SessionDep) -> Media:
    try:
        parsed = uuid.UUID(media_id)
    except ValueError:
        # An id that cannot exist is simply not found, not a validation error.
        raise MediaNotFound() from None
    media = await repository.get(session, parsed)
    if media is None:
        raise MediaNotFound()
    return media


MediaDep = Annotated[Media, Depends(get_media)]


@raises(Forbidden)
async def get_owned_media(media: MediaDep, user: CurrentUser) -> Media:
    if media.owner_id != user.id:
        raise Forbidden("Only the owner can do this", code="not_media_owner")
    return media


OwnedMediaDep = Annotated[Media, Depends(get_owned_media)]


@raises(FileTooLarge, FileRequired)
async def uploaded_file(request: Request, settings: SettingsDep) -> AsyncIterator[ReceivedFile]:
    """The request's `file` field on disk for the length of the request, then deleted, and
    its `description` (alt text) beside it."""
    received = await receive_file_field(
        request.stream(),
        content_type=request.headers.get("content-type"),
        content_length=request.headers.get("content-length"),
        field="file",
        max_bytes=settings.max_upload_bytes,
        text_fields=frozenset({"description"}),
    )
    try:
        yield received
    finally:
        received.discard()


UploadDep = Annotated[ReceivedFile, Depends(uploaded_file)]
