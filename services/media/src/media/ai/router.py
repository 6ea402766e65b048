from fastapi import APIRouter

from common.db import SessionDep
from common.tokens import CurrentUser
from media.ai import service
from media.ai.schemas import ImageGenerate, ImageGenerated
from media.dependencies import HttpDep, ImagePoolDep, ObjectsDep, SettingsDep

router = APIRouter(tags=["ai-images"])


@router.post("/api/images")
async def generate_image(
    body: ImageGenerate,
    user: CurrentUser,
    session: SessionDep,
    objects: ObjectsDep,
    http: HttpDep,
    pool: ImagePoolDep,
    settings: SettingsDep,
) -> ImageGenerated:
    return await service.generate_image(
        session=session,
        objects=objects,
        http=http,
        pool=pool,
        settings=settings,
        owner_id=user.id,
        request=body,
    )
