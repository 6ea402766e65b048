from typing import Annotated

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse

from auth.dependencies import SecretBoxDep, SettingsDep
from auth.instagram import service
from auth.instagram.schemas import InstagramAccountRead, InstagramLinkRequest, InstagramStart
from auth.oauth.flow import FlowError, frontend_url, safe_next
from auth.oauth.providers import INSTAGRAM
from auth.oauth.service import provider_client
from auth.users.dependencies import CurrentAccount
from common.db import SessionDep
from common.errors import NotFound
from common.openapi import raises
from common.text import NUL_FREE

router = APIRouter(prefix="/oauth/instagram", tags=["instagram"])


@router.get(
    "/start",
    status_code=status.HTTP_302_FOUND,
    responses={200: {"model": InstagramStart, "description": "with Accept: application/json"}},
)
@raises(NotFound)
async def start(
    request: Request,
    user: CurrentAccount,
    settings: SettingsDep,
    next: Annotated[str, NUL_FREE] = "/",
) -> Response:
    client = provider_client(request.app.state.oauth, INSTAGRAM)
    try:
        url = await service.start_linking(
            request=request, client=client, settings=settings, user=user, next_path=safe_next(next)
        )
    except FlowError as exc:
        url = frontend_url(settings.frontend_url, next, error=exc.code)
    # A SPA calls this with its bearer token via fetch, which can't read a redirect.
    if "application/json" in request.headers.get("accept", ""):
        return Response(
            InstagramStart(authorize_url=url).model_dump_json(), media_type="application/json"
        )
    return RedirectResponse(url, status_code=status.HTTP_302_FOUND)


@router.get("/callback", status_code=status.HTTP_302_FOUND)
@raises(NotFound)
async def callback(
    request: Request, session: SessionDep, settings: SettingsDep, box: SecretBoxDep
) -> RedirectResponse:
    client = provider_client(request.app.state.oauth, INSTAGRAM)
    try:
        next_path = await service.complete_linking(
            request=request,
            session=session,
            client=client,
            http=request.app.state.http,
            settings=settings,
            box=box,
        )
    except FlowError as exc:
        url = frontend_url(settings.frontend_url, exc.data.get("next", "/"), error=exc.code)
        return RedirectResponse(url, status_code=status.HTTP_302_FOUND)
    url = frontend_url(settings.frontend_url, next_path, instagram="connected")
    return RedirectResponse(url, status_code=status.HTTP_302_FOUND)


@router.get("/accounts")
@raises(NotFound, 502)
async def accounts(
    request: Request,
    user: CurrentAccount,
    session: SessionDep,
    settings: SettingsDep,
    box: SecretBoxDep,
) -> list[InstagramAccountRead]:
    return await service.list_accounts(
        session=session, user=user, http=request.app.state.http, settings=settings, box=box
    )


@router.post("/link")
@raises(NotFound, 502)
async def link(
    data: InstagramLinkRequest,
    request: Request,
    user: CurrentAccount,
    session: SessionDep,
    settings: SettingsDep,
    box: SecretBoxDep,
) -> InstagramAccountRead:
    return await service.link_account(
        session=session,
        user=user,
        ig_user_id=data.ig_user_id,
        http=request.app.state.http,
        settings=settings,
        box=box,
    )


@router.post("/unlink", status_code=status.HTTP_204_NO_CONTENT)
@raises(NotFound)
async def unlink(data: InstagramLinkRequest, user: CurrentAccount, session: SessionDep) -> None:
    await service.unlink_account(session=session, user=user, ig_user_id=data.ig_user_id)
