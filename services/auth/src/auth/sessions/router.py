"""Password sign-in, refresh-token rotation, sign-out and signed-in devices under /auth."""

import uuid

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from auth.dependencies import MfaTokensDep, SecretBoxDep, SettingsDep, SignerDep, ThrottleDep
from auth.sessions import service
from auth.sessions.cookies import clear_refresh_cookie, token_response
from auth.sessions.dependencies import (
    CurrentSession,
    LoginDep,
    PresentedRefreshToken,
    RequestingClient,
    RevokerDep,
)
from auth.sessions.mfa_tokens import MfaRequired
from auth.sessions.schemas import LoginRefused, LoginRequest, SessionRead, TokenRead
from auth.sessions.throttle import client_ip
from auth.users.dependencies import CurrentAccount
from common.db import SessionDep
from common.errors import NotFound, Unauthorized
from common.openapi import raises

router = APIRouter(prefix="/auth", tags=["sessions"])

LOGIN_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            media_type: {"schema": LoginRequest.model_json_schema()}
            for media_type in ("application/json", "application/x-www-form-urlencoded")
        },
    }
}


@router.post(
    "/login",
    openapi_extra=LOGIN_OPENAPI,
    response_model=TokenRead,
    responses={401: {"model": LoginRefused, "description": "Unauthorized"}},
)
@raises(Unauthorized, 429)
async def login(
    credentials: LoginDep,
    request: Request,
    response: Response,
    session: SessionDep,
    signer: SignerDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
    mfa_tokens: MfaTokensDep,
) -> TokenRead | JSONResponse:
    """Tokens; or, for an account with TOTP on, 401 `mfa_required` with an `mfa_token`
    for POST /auth/login/mfa."""
    try:
        issued = await service.log_in(
            session=session,
            signer=signer,
            settings=settings,
            throttle=throttle,
            mfa_tokens=mfa_tokens,
            login=credentials.username,
            password=credentials.password.get_secret_value(),
            ip=client_ip(request, settings.trusted_proxies),
            user_agent=request.headers.get("user-agent"),
        )
    except MfaRequired as required:
        return required.response()
    return token_response(response, issued, settings)


@router.post("/refresh")
@raises(Unauthorized)
async def refresh(
    presented: PresentedRefreshToken,
    response: Response,
    session: SessionDep,
    signer: SignerDep,
    settings: SettingsDep,
    box: SecretBoxDep,
    revoker: RevokerDep,
    client: RequestingClient,
    request: Request,
) -> TokenRead:
    if presented is None:
        raise Unauthorized("No refresh token", code="invalid_refresh_token")
    issued = await service.refresh_session(
        session=session,
        signer=signer,
        settings=settings,
        box=box,
        revoker=revoker,
        refresh_token=presented,
        client=client,
        user_agent=request.headers.get("user-agent"),
    )
    return token_response(response, issued, settings)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    presented: PresentedRefreshToken,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    revoker: RevokerDep,
) -> None:
    if presented is not None:
        await service.revoke_session(session=session, revoker=revoker, refresh_token=presented)
    clear_refresh_cookie(response, settings)


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_all(
    user: CurrentAccount,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    revoker: RevokerDep,
) -> None:
    await service.revoke_all_sessions(session=session, revoker=revoker, user_id=user.id)
    clear_refresh_cookie(response, settings)


@router.get("/sessions")
async def list_sessions(
    user: CurrentAccount, current: CurrentSession, session: SessionDep
) -> list[SessionRead]:
    """The devices signed in to this account (one per sign-in), the caller's `current`."""
    return await service.list_sessions(session=session, user_id=user.id, current=current)


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
@raises(NotFound)
async def end_session(
    session_id: uuid.UUID, user: CurrentAccount, session: SessionDep, revoker: RevokerDep
) -> None:
    """Sign that device out: its refresh token and its access tokens stop working."""
    await service.end_session(
        session=session, revoker=revoker, user_id=user.id, family_id=session_id
    )
