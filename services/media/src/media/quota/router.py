from fastapi import APIRouter

from common.db import SessionDep
from common.tokens import CurrentUser
from media.dependencies import SettingsDep
from media.quota import service
from media.quota.schemas import QuotaRead

router = APIRouter(tags=["media"])


@router.get("/media/quota")
async def get_quota(user: CurrentUser, session: SessionDep, settings: SettingsDep) -> QuotaRead:
    return await service.get_quota(
        session=session, owner_id=user.id, limit_bytes=settings.quota_bytes
    )
