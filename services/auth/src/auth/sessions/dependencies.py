import uuid
from typing import Annotated

from fastapi import Cookie, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from auth.sessions.cookies import REFRESH_COOKIE
from auth.sessions.revocations import TokenRevoker
from auth.sessions.schemas import LoginRequest, RefreshRequest
from auth.sessions.throttle import client_ip
from common.openapi import raises
from common.state import app_state
from common.tokens import CurrentUser

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@raises(422)
async def login_request(request: Request) -> LoginRequest:
    """JSON, or the OAuth2 password form (what Swagger's Authorize button posts)."""
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith(FORM_TYPES):
            async with request.form() as form:
                data = {key: form.get(key) for key in ("username", "password")}
        else:
            data = await request.json()
        return LoginRequest.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_input=False)) from exc
    except ValueError as exc:
        raise RequestValidationError(
            [{"loc": ("body",), "msg": "Expected a JSON object", "type": "json_invalid"}]
        ) from exc


async def presented_refresh_token(
    body: RefreshRequest | None = None,
    cookie: Annotated[str | None, Cookie(alias=REFRESH_COOKIE)] = None,
) -> str | None:
    """The refresh token from the body, else from the cookie."""
    return body.refresh_token.get_secret_value() if body else cookie


async def requesting_client(request: Request) -> str:
    """Who is asking, as far as a refresh can tell: address and user agent. A spent token
    presented again by the same client is a retry; by another, a copy."""
    settings = request.app.state.settings
    address = client_ip(request, settings.trusted_proxies)
    return f"{address}\n{request.headers.get('user-agent', '')}"


LoginDep = Annotated[LoginRequest, Depends(login_request)]
RequestingClient = Annotated[str, Depends(requesting_client)]
PresentedRefreshToken = Annotated[str | None, Depends(presented_refresh_token)]


async def current_session(principal: CurrentUser) -> uuid.UUID | None:
    """The caller's session (refresh-token family), from its access token's `sid`; None
    for a token minted before sessions were named."""
    try:
        return uuid.UUID(str(principal.claims["sid"]))
    except (KeyError, ValueError):
        return None


CurrentSession = Annotated[uuid.UUID | None, Depends(current_session)]
RevokerDep = Annotated[TokenRevoker, Depends(app_state("token_revoker"))]
