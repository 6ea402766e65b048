from typing import Annotated

from fastapi import APIRouter, Request, status
from fastapi.responses import RedirectResponse

from auth.dependencies import MfaTokensDep, SettingsDep, SignerDep
from auth.oauth import service
from auth.oauth.dependencies import LinkingAccount
from auth.oauth.flow import FlowError, frontend_url, mfa_step_url, safe_next
from auth.oauth.providers import LoginProvider, configured_login_providers
from auth.oauth.schemas import ProvidersRead
from auth.sessions.cookies import REFRESH_COOKIE, set_refresh_cookie
from auth.sessions.service import open_session
from auth.users.dependencies import CurrentAccount
from auth.users.schemas import UserRead, read_user
from common.db import SessionDep
from common.errors import Conflict, NotFound
from common.openapi import raises
from common.text import NUL_FREE

router = APIRouter(tags=["oauth"])


@router.get("/auth/providers")
async def list_providers(request: Request) -> ProvidersRead:
    """The sign-in providers this server has configured, for the app's sign-in buttons."""
    return ProvidersRead(providers=configured_login_providers(request.app.state.oauth))


@router.get("/auth/{provider}/login", status_code=status.HTTP_302_FOUND)
async def oauth_login(
    provider: LoginProvider,
    request: Request,
    settings: SettingsDep,
    linking_user: LinkingAccount,
    next: Annotated[str, NUL_FREE] = "/",
) -> RedirectResponse:
    client = service.provider_client(request.app.state.oauth, provider)
    try:
        url = await service.start_sign_in(
            request=request,
            client=client,
            provider=provider,
            settings=settings,
            next_path=safe_next(next),
            linking_user=linking_user,
        )
    except FlowError as exc:
        url = frontend_url(settings.frontend_url, next, error=exc.code)
    return RedirectResponse(url, status_code=status.HTTP_302_FOUND)


@router.get("/auth/{provider}/callback", status_code=status.HTTP_302_FOUND)
async def oauth_callback(
    provider: LoginProvider,
    request: Request,
    session: SessionDep,
    signer: SignerDep,
    settings: SettingsDep,
    mfa_tokens: MfaTokensDep,
) -> RedirectResponse:
    client = service.provider_client(request.app.state.oauth, provider)
    try:
        user, next_path = await service.complete_sign_in(
            request=request, session=session, client=client, provider=provider, settings=settings
        )
    except FlowError as exc:
        url = frontend_url(settings.frontend_url, exc.data.get("next", "/"), error=exc.code)
        return RedirectResponse(url, status_code=status.HTTP_302_FOUND)
    refresh_cookie = request.cookies.get(REFRESH_COOKIE)
    if await service.needs_second_factor(session=session, user=user, refresh_cookie=refresh_cookie):
        # No session yet: the web app's sign-in page asks for the code and finishes with
        # POST /auth/login/mfa. In the fragment, the token never reaches a server's log.
        token = await mfa_tokens.issue(user.id)
        return RedirectResponse(
            mfa_step_url(settings.frontend_url, token, next_path),
            status_code=status.HTTP_302_FOUND,
        )
    issued = await open_session(
        session=session,
        signer=signer,
        settings=settings,
        user=user,
        user_agent=request.headers.get("user-agent"),
    )
    # The SPA then calls POST /auth/refresh with this cookie to get its access token.
    response = RedirectResponse(
        frontend_url(settings.frontend_url, next_path), status_code=status.HTTP_302_FOUND
    )
    set_refresh_cookie(response, issued.refresh_token, settings)
    return response


@router.delete("/auth/identities/{provider}")
@raises(Conflict)
async def unlink_identity(
    provider: LoginProvider, user: CurrentAccount, session: SessionDep
) -> UserRead:
    await service.unlink_identity(session=session, user=user, provider=provider)
    return read_user(user)


@router.post("/auth/kakao/unlink")
@raises(NotFound, 502)
async def unlink_kakao(
    request: Request, user: CurrentAccount, session: SessionDep, settings: SettingsDep
) -> UserRead:
    await service.unlink_kakao(
        session=session, user=user, http=request.app.state.http, settings=settings
    )
    return read_user(user)
