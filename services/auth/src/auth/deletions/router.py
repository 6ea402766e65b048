"""DELETE /auth/me and GET /auth/me/deletion."""

from fastapi import APIRouter, status

from auth.deletions import service
from auth.deletions.schemas import DeletionRequest, DeletionStatus
from auth.dependencies import SettingsDep, ThrottleDep
from auth.sessions.dependencies import RevokerDep
from auth.users.dependencies import CurrentAccount
from common.db import SessionDep
from common.errors import Forbidden, NotFound
from common.openapi import raises
from common.tokens import CurrentUser

router = APIRouter(prefix="/auth/me", tags=["accounts"])


@router.delete("", status_code=status.HTTP_202_ACCEPTED)
@raises(Forbidden)
async def delete_account(
    user: CurrentAccount,
    session: SessionDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
    revoker: RevokerDep,
    body: DeletionRequest | None = None,
) -> DeletionStatus:
    password = body.password.get_secret_value() if body and body.password else None
    return await service.request_deletion(
        session=session,
        settings=settings,
        throttle=throttle,
        revoker=revoker,
        user=user,
        password=password,
    )


# The account is gone by then, so its (still unexpired) token is all that names it.
@router.get("/deletion")
@raises(NotFound)
async def deletion_status(
    principal: CurrentUser, session: SessionDep, settings: SettingsDep
) -> DeletionStatus:
    return await service.deletion_status(session=session, settings=settings, user_id=principal.id)
