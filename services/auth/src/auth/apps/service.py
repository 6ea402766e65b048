"""Third-party apps: registration, the grants of `/oauth/token`, the consent, revocation.

Authlib decides each grant (auth.apps.server); this module loads what it needs first and
carries out what it decided after: codes and tokens are written here, in the request's
transaction, and a token's JWT is signed here.
"""

import base64
import binascii
import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from authlib.oauth2.rfc6749.errors import OAuth2Error
from sqlalchemy.ext.asyncio import AsyncSession

from auth.apps import repository
from auth.apps.exceptions import AppNotFound, InvalidClient, OAuthRequestError
from auth.apps.models import AuthorizationCode, OAuthApp
from auth.apps.schemas import (
    AppCreate,
    AppRead,
    AuthorizationDecision,
    AuthorizationRequest,
    AuthorizedApp,
    ConsentRead,
)
from auth.apps.server import (
    OOB_REDIRECT_URI,
    AppClient,
    AppsServer,
    FormRequest,
    Grounds,
    secret_hash,
)
from auth.config import Settings
from auth.keys.service import Signer
from auth.sessions import service as sessions
from auth.sessions.revocations import TokenRevoker
from auth.sessions.throttle import LoginThrottle
from auth.users import repository as users_repository
from auth.users.models import User
from auth.users.service import authenticate

CODE_LIFETIME = timedelta(minutes=10)


async def register_app(*, session: AsyncSession, data: AppCreate) -> AppRead:
    """Register an app; its secret is in this answer only (kept as SHA-256)."""
    client_secret = secrets.token_urlsafe(32)
    app = OAuthApp(
        client_id=secrets.token_urlsafe(32),
        client_secret_hash=secret_hash(client_secret),
        name=data.client_name,
        website=data.website,
        redirect_uris="\n".join(data.redirect_uri_list),
        scopes=" ".join(data.scope_list),
    )
    await repository.add(session, app)
    return AppRead.of(app, client_secret=client_secret)


def _basic_client_id(headers: Mapping[str, str]) -> str | None:
    """The client id of an `Authorization: Basic` header (RFC 6749 2.3.1), if any."""
    value = headers.get("authorization", "")
    if not value.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(value[6:], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id = unquote(decoded.split(":", 1)[0])
    return None if "\x00" in client_id else client_id


async def _grounds_for(session: AsyncSession, client_id: str | None) -> Grounds:
    app = await repository.get_by_client_id(session, client_id) if client_id else None
    return Grounds(app=app)


def _answer(
    status: int, body: Any, headers: list[tuple[str, str]]
) -> tuple[int, Any, dict[str, str]]:
    return status, body, dict(headers)


async def token(
    *,
    session: AsyncSession,
    signer: Signer,
    settings: Settings,
    throttle: LoginThrottle,
    uri: str,
    params: dict[str, str],
    headers: Mapping[str, str],
    ip: str,
) -> tuple[int, Any, dict[str, str]]:
    """`POST /oauth/token`: Authlib's answer (status, body, headers), with the tokens it
    granted signed and stored."""
    if any("\x00" in value for value in params.values()):
        # No NUL reaches Postgres, whose text cannot hold one.
        return 400, {"error": "invalid_request"}, {}
    grounds = await _grounds_for(session, params.get("client_id") or _basic_client_id(headers))
    grant_type = params.get("grant_type")
    if grounds.app is not None and grant_type == "authorization_code" and params.get("code"):
        grounds.code = await repository.get_code_for_update(session, secret_hash(params["code"]))
        if grounds.code is not None:
            grounds.code_user = await users_repository.get(session, grounds.code.user_id)
    elif grounds.app is not None and grant_type == "password":
        grounds.password_user = await _password_user(
            session=session,
            throttle=throttle,
            login=params.get("username", ""),
            password=params.get("password", ""),
            ip=ip,
        )
    server = AppsServer(grounds)
    try:
        status, body, answer_headers = server.create_token_response(
            FormRequest("POST", uri, params, headers)
        )
    except ValueError:
        # Authlib refuses to put characters outside RFC 6749's set in an error's text.
        return 400, {"error": "invalid_request"}, {}
    if grounds.spent_code is not None:
        await repository.delete_code(session, grounds.spent_code.id)
    for new in grounds.new_tokens:
        issued = await sessions.open_app_session(
            session=session,
            signer=signer,
            settings=settings,
            app_id=new.app.id,
            client_id=new.app.client_id,
            scope=new.scope,
            user=new.user,
        )
        new.body["access_token"] = issued.access_token
    return _answer(status, body, answer_headers)


async def _password_user(
    *, session: AsyncSession, throttle: LoginThrottle, login: str, password: str, ip: str
) -> User | None:
    """The user of a password grant, within the sign-in's failure limits (429 past them).
    An account with a second factor cannot use this grant: its apps use the consent
    screen, where the web app asks for the code."""
    if not login or not password:
        return None
    await throttle.check(login=login, ip=ip)
    user = await authenticate(session=session, login=login, password=password)
    if user is None:
        await throttle.record_failure(login=login, ip=ip)
        return None
    await throttle.reset_account(login=login)
    return None if user.mfa_enabled else user


def _authorization_params(request: AuthorizationRequest) -> dict[str, str]:
    return {key: value for key, value in request.model_dump().items() if value is not None}


async def _consent_grant(
    *, session: AsyncSession, request: AuthorizationRequest, user: User, uri: str
) -> tuple[AppsServer, Any, FormRequest]:
    grounds = await _grounds_for(session, request.client_id)
    server = AppsServer(grounds)
    oauth_request = FormRequest("GET", uri, _authorization_params(request), {})
    try:
        grant = server.get_consent_grant(request=oauth_request, end_user=user)
    except OAuth2Error as error:
        raise OAuthRequestError(error.error, error.get_error_description()) from error
    except ValueError as error:
        # Authlib refuses to put characters outside RFC 6749's set in an error's text.
        raise OAuthRequestError("invalid_request", None) from error
    return server, grant, oauth_request


async def consent(
    *, session: AsyncSession, request: AuthorizationRequest, user: User, uri: str
) -> ConsentRead:
    """What the consent screen shows, once Authlib found the request valid."""
    server, _grant, oauth_request = await _consent_grant(
        session=session, request=request, user=user, uri=uri
    )
    assert server.grounds.app is not None
    client = AppClient(server.grounds.app)
    try:
        scope = client.get_allowed_scope(request.scope)
    except OAuth2Error as error:
        raise OAuthRequestError(error.error, error.get_error_description()) from error
    return ConsentRead(
        name=client.app.name,
        website=client.app.website,
        scopes=scope.split(),
        redirect_uri=oauth_request.payload.redirect_uri or client.redirect_uris[0],
    )


async def decide(
    *,
    session: AsyncSession,
    request: AuthorizationRequest,
    user: User,
    approve: bool,
    uri: str,
) -> AuthorizationDecision:
    """Allow or Deny on the consent screen: where to send the browser, or for an
    out-of-band app the code to show."""
    server, grant, oauth_request = await _consent_grant(
        session=session, request=request, user=user, uri=uri
    )
    _status, _body, headers = server.create_authorization_response(
        request=oauth_request, grant_user=user if approve else None, grant=grant
    )
    new = server.grounds.new_code
    if new is not None:
        await repository.add(
            session,
            AuthorizationCode(
                code_hash=secret_hash(new.code),
                app_id=new.app.id,
                user_id=new.user.id,
                redirect_uri=new.redirect_uri,
                scope=new.scope,
                code_challenge=new.code_challenge,
                code_challenge_method=new.code_challenge_method,
                expires_at=datetime.now(UTC) + CODE_LIFETIME,
            ),
        )
    location = dict(headers).get("Location", "")
    if location.startswith(OOB_REDIRECT_URI):
        query = parse_qs(urlsplit(location).query)
        return AuthorizationDecision(
            code=query.get("code", [None])[0], error=query.get("error", [None])[0]
        )
    return AuthorizationDecision(redirect_to=location)


async def revoke(
    *,
    session: AsyncSession,
    revoker: TokenRevoker,
    client_id: str,
    client_secret: str,
    access_token: str,
) -> None:
    """`POST /oauth/revoke`: the app's own token only, and only with its secret."""
    app = await repository.get_by_client_id(session, client_id)
    if app is None or not AppClient(app).check_client_secret(client_secret):
        raise InvalidClient()
    await sessions.revoke_app_token(
        session=session, revoker=revoker, access_token=access_token, app_id=app.id
    )


async def app_of_token(*, session: AsyncSession, client_id: str) -> AppRead:
    """`GET /api/v1/apps/verify_credentials`: the app the token was issued to."""
    app = await repository.get_by_client_id(session, client_id)
    if app is None:
        raise AppNotFound()
    return AppRead.of(app)


async def authorized_apps(*, session: AsyncSession, user_id: uuid.UUID) -> list[AuthorizedApp]:
    """Settings → Authorized apps: each app holding a live token of the user."""
    rows = await repository.authorized_apps(session, user_id)
    return [
        AuthorizedApp(
            id=app.id,
            name=app.name,
            website=app.website,
            scopes=sorted(set(scopes.split())),
            authorized_at=created_at,
        )
        for app, scopes, created_at in rows
    ]


async def deauthorize(
    *, session: AsyncSession, revoker: TokenRevoker, user_id: uuid.UUID, app_id: uuid.UUID
) -> None:
    """Take back an app's access: all its tokens of this user die at every service."""
    if await repository.get(session, app_id) is None:
        raise AppNotFound()
    await sessions.revoke_app_access(
        session=session, revoker=revoker, user_id=user_id, app_id=app_id
    )
