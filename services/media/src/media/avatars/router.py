from fastapi import APIRouter, Request, Response

from common.db import SessionDep
from common.internal import InternalCaller
from common.openapi import raises
from media.avatars import service
from media.avatars.dependencies import AvatarDep, IgUserId
from media.avatars.exceptions import AvatarFetchFailed
from media.avatars.schemas import AvatarCache, AvatarRead
from media.dependencies import HttpDep, ImagePoolDep, ObjectsDep, SettingsDep
from media.serving import serve_object

# Refreshed at most daily by the TTL; an hour keeps clients close behind a refresh.
AVATAR_CACHE_CONTROL = "public, max-age=3600"

router = APIRouter(tags=["ig-avatars"])
internal_router = APIRouter(prefix="/internal", tags=["internal"], dependencies=[InternalCaller])


@router.get("/media/ig-avatars/{ig_user_id}", response_class=Response)
async def get_avatar(avatar: AvatarDep, request: Request, objects: ObjectsDep) -> Response:
    return await serve_object(
        request,
        objects,
        key=avatar.object_key,
        etag=f'"{avatar.sha256[:32]}"',
        content_type=avatar.content_type,
        cache_control=AVATAR_CACHE_CONTROL,
    )


@internal_router.put("/ig-avatars/{ig_user_id}")
@raises(AvatarFetchFailed)
async def cache_avatar(
    ig_user_id: IgUserId,
    body: AvatarCache,
    session: SessionDep,
    objects: ObjectsDep,
    http: HttpDep,
    pool: ImagePoolDep,
    settings: SettingsDep,
) -> AvatarRead:
    avatar, refreshed = await service.cache_avatar(
        session=session,
        objects=objects,
        http=http,
        pool=pool,
        settings=settings,
        ig_user_id=ig_user_id,
        url=str(body.url),
    )
    return AvatarRead.build(avatar, public_url=settings.public_url, refreshed=refreshed)
