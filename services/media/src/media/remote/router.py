from fastapi import APIRouter, Response, status

from common.db import SessionDep
from common.internal import InternalCaller
from common.openapi import raises
from common.remote_fetch import RemoteFailed, RemoteRefused, RemoteTooLarge
from media.dependencies import HttpDep, ImagePoolDep, ObjectsDep, SettingsDep
from media.remote import service
from media.remote.schemas import RemoteMediaCreate, RemoteMediaRead

internal_router = APIRouter(prefix="/internal", tags=["internal"], dependencies=[InternalCaller])


@internal_router.post(
    "/remote-media",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "This owner has the image already: that media"}},
)
@raises(RemoteRefused, RemoteTooLarge, RemoteFailed)
async def store_remote_media(
    body: RemoteMediaCreate,
    response: Response,
    session: SessionDep,
    objects: ObjectsDep,
    http: HttpDep,
    pool: ImagePoolDep,
    settings: SettingsDep,
) -> RemoteMediaRead:
    """For federation: another server's image, fetched and kept for a remote profile."""
    media, created = await service.store_remote_image(
        session=session,
        objects=objects,
        http=http,
        pool=pool,
        settings=settings,
        owner_id=body.owner_id,
        url=body.url,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return RemoteMediaRead.build(media)
