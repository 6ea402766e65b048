"""The OAuth side of the Mastodon client API (apps, tokens, consent), and Settings →
Authorized apps."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse, RedirectResponse

from auth.apps import service
from auth.apps.dependencies import CurrentApp
from auth.apps.exceptions import AppNotFound, InvalidClient, OAuthRequestError
from auth.apps.schemas import (
    AppCreate,
    AppRead,
    AuthorizationDecision,
    AuthorizationRequest,
    AuthorizedApp,
    ConsentDecision,
    ConsentRead,
    OAuthServerMetadata,
    OAuthToken,
    TokenRevoke,
)
from auth.apps.server import SECRET_AUTH_METHODS
from auth.dependencies import SettingsDep, SignerDep, ThrottleDep
from auth.sessions.dependencies import RevokerDep
from auth.sessions.throttle import client_ip
from auth.users.dependencies import CurrentAccount
from common.app_tokens import SUPPORTED_SCOPES
from common.db import SessionDep
from common.mastodon import body_openapi, mastodon_body, request_params
from common.openapi import raises

router = APIRouter(tags=["mastodon apps"])

CONSENT_SCREEN = "/authorize"  # the web app's screen (web/src/routes/(signed-in)/authorize)


def _oauth_uri(request: Request) -> str:
    # Authlib refuses plain-HTTP requests; TLS ends before the gateway (the ingress or
    # the proxy in front), which is where that check belongs, so the URI says https.
    return f"https://{request.url.netloc}{request.url.path}"


@router.post("/api/v1/apps", response_model=AppRead, openapi_extra=body_openapi(AppCreate))
@raises(422)
async def create_app(
    data: Annotated[AppCreate, Depends(mastodon_body(AppCreate))], session: SessionDep
) -> AppRead:
    """Register an app (Mastodon's `POST /api/v1/apps`): its client id and secret."""
    return await service.register_app(session=session, data=data)


@router.get("/api/v1/apps/verify_credentials", response_model=AppRead)
@raises(AppNotFound)
async def verify_app(principal: CurrentApp, session: SessionDep) -> AppRead:
    """The app the token belongs to."""
    return await service.app_of_token(session=session, client_id=principal.claims["client_id"])


TOKEN_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            media_type: {
                "schema": {
                    "type": "object",
                    "required": ["grant_type"],
                    "properties": {
                        name: {"type": "string"}
                        for name in (
                            "grant_type", "client_id", "client_secret", "redirect_uri", "scope",
                            "code", "code_verifier", "username", "password",
                        )
                    },
                }
            }
            for media_type in ("application/x-www-form-urlencoded", "application/json")
        },
    }
}  # fmt: skip


@router.post(
    "/oauth/token",
    response_model=OAuthToken,
    openapi_extra=TOKEN_FORM,
)
@raises(400, 401, 422, 429)  # RFC 6749's errors: invalid_grant, invalid_client, ...
async def token(
    request: Request,
    session: SessionDep,
    signer: SignerDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
) -> JSONResponse:
    """An app's access token by the authorization_code (with PKCE), password or
    client_credentials grant; errors as RFC 6749 says (`invalid_grant`, ...)."""
    params = {key: str(value) for key, value in (await request_params(request)).items()}
    status_code, body, headers = await service.token(
        session=session,
        signer=signer,
        settings=settings,
        throttle=throttle,
        uri=_oauth_uri(request),
        params=params,
        headers=request.headers,  # case-insensitive, as Authlib reads `Authorization`
        ip=client_ip(request, settings.trusted_proxies),
    )
    return JSONResponse(body, status_code=status_code, headers=headers)


@router.post("/oauth/revoke", openapi_extra=body_openapi(TokenRevoke))
@raises(InvalidClient, 422)
async def revoke(
    data: Annotated[TokenRevoke, Depends(mastodon_body(TokenRevoke))],
    session: SessionDep,
    revoker: RevokerDep,
) -> dict[str, Any]:
    """Revoke one of the app's tokens at every service (an unknown token is no error)."""
    await service.revoke(
        session=session,
        revoker=revoker,
        client_id=data.client_id,
        client_secret=data.client_secret,
        access_token=data.token,
    )
    return {}


@router.get(
    "/oauth/authorize",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses={302: {"description": "To the web app's consent screen"}},
)
async def authorize(
    request: Request, settings: SettingsDep, params: Annotated[AuthorizationRequest, Query()]
) -> RedirectResponse:
    """The consent screen, in the web app, with the request's parameters: it signs the
    user in first if needed, then shows the app and its scopes (Allow / Deny)."""
    query = request.url.query
    return RedirectResponse(f"{settings.frontend_url}{CONSENT_SCREEN}?{query}", status_code=302)


@router.get("/auth/apps/consent", response_model=ConsentRead)
@raises(OAuthRequestError)
async def consent(
    request: Request,
    params: Annotated[AuthorizationRequest, Query()],
    user: CurrentAccount,
    session: SessionDep,
) -> ConsentRead:
    """What the consent screen shows: the app's name and website, the scopes asked."""
    return await service.consent(
        session=session, request=params, user=user, uri=_oauth_uri(request)
    )


@router.post("/auth/apps/consent", response_model=AuthorizationDecision)
@raises(OAuthRequestError)
async def decide(
    request: Request, decision: ConsentDecision, user: CurrentAccount, session: SessionDep
) -> AuthorizationDecision:
    """Allow or Deny: where the browser goes (the app's redirect URI with a code or
    `error=access_denied`), or the code to show an out-of-band app."""
    return await service.decide(
        session=session,
        request=AuthorizationRequest.model_validate(decision.model_dump(exclude={"approve"})),
        user=user,
        approve=decision.approve,
        uri=_oauth_uri(request),
    )


@router.get("/auth/authorized-apps", response_model=list[AuthorizedApp])
async def authorized_apps(user: CurrentAccount, session: SessionDep) -> list[AuthorizedApp]:
    """Settings → Authorized apps: the apps holding a live token of this account."""
    return await service.authorized_apps(session=session, user_id=user.id)


@router.delete("/auth/authorized-apps/{app_id}", status_code=status.HTTP_204_NO_CONTENT)
@raises(AppNotFound)
async def deauthorize(
    app_id: uuid.UUID, user: CurrentAccount, session: SessionDep, revoker: RevokerDep
) -> Response:
    """Take back an app's access: its tokens of this account stop working everywhere."""
    await service.deauthorize(session=session, revoker=revoker, user_id=user.id, app_id=app_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/.well-known/oauth-authorization-server", response_model=OAuthServerMetadata)
async def server_metadata(settings: SettingsDep) -> OAuthServerMetadata:
    """RFC 8414 metadata, as Mastodon publishes it."""
    base = settings.public_url.rstrip("/")
    return OAuthServerMetadata(
        issuer=f"{base}/",
        authorization_endpoint=f"{base}/oauth/authorize",
        token_endpoint=f"{base}/oauth/token",
        revocation_endpoint=f"{base}/oauth/revoke",
        app_registration_endpoint=f"{base}/api/v1/apps",
        scopes_supported=list(SUPPORTED_SCOPES),
        response_types_supported=["code"],
        response_modes_supported=["query", "fragment", "form_post"],
        grant_types_supported=["authorization_code", "password", "client_credentials"],
        token_endpoint_auth_methods_supported=SECRET_AUTH_METHODS,
        code_challenge_methods_supported=["S256"],
    )
