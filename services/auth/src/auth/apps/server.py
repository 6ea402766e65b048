"""Authlib's OAuth 2 authorization server, bridged to an async service.

Authlib's grants decide everything OAuth says (client authentication, redirect URIs,
scopes, PKCE, codes spent once, the error answers), but call their hooks synchronously,
while our data is behind async SQLAlchemy. So each request gets its own server over a
`Grounds`: what the hooks may read is loaded before Authlib runs (the app named by the
request, the code presented, the user a password grant authenticated), and what they
decide (a code to save, a code spent, tokens to issue) is written down and carried out by
the service after Authlib answered. A token's value is minted then, too: the generator
leaves a placeholder that the signed JWT replaces. (Authlib ships no types: the
subclasses below are marked for mypy.)
"""

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidScopeError
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7636 import CodeChallenge

from auth.apps.models import AuthorizationCode, OAuthApp
from auth.users.models import User
from common.app_tokens import SUPPORTED_SCOPES, covers

OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob"
DEFAULT_SCOPE = "read"  # Mastodon's, when a request names none
TOKEN_PLACEHOLDER = "pending"  # replaced by the signed JWT once the grant is decided
SECRET_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def secret_hash(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


class AppClient:
    """An `OAuthApp` as Authlib's ClientMixin sees it."""

    def __init__(self, app: OAuthApp) -> None:
        self.app = app
        self.redirect_uris = app.redirect_uris.split()
        self.scopes = frozenset(app.scopes.split())

    def get_client_id(self) -> str:
        return self.app.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope: str | None) -> str:
        requested = (scope or DEFAULT_SCOPE).split()
        # Mastodon refuses a scope the app did not register rather than narrowing it.
        if not all(covers(self.scopes, part) for part in requested):
            raise InvalidScopeError()
        return " ".join(dict.fromkeys(requested))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(secret_hash(client_secret), self.app.client_secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in SECRET_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "password", "client_credentials")


class StoredCode:
    """An `AuthorizationCode` row as Authlib's AuthorizationCodeMixin sees it."""

    def __init__(self, row: AuthorizationCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


@dataclass
class NewCode:
    code: str
    app: OAuthApp
    user: User
    redirect_uri: str
    scope: str
    code_challenge: str | None
    code_challenge_method: str | None


@dataclass
class NewToken:
    app: OAuthApp
    user: User | None
    scope: str
    body: dict[str, Any]  # the answer's body, whose `access_token` is still the placeholder


@dataclass
class Grounds:
    """What one request's hooks read (loaded before) and decide (carried out after)."""

    app: OAuthApp | None = None
    code: AuthorizationCode | None = None
    code_user: User | None = None
    password_user: User | None = None  # the user a password grant authenticated
    new_code: NewCode | None = None
    spent_code: AuthorizationCode | None = None
    new_tokens: list[NewToken] = field(default_factory=list)


class FormRequest(OAuth2Request):  # type: ignore[misc]  # Authlib is untyped
    """An OAuth request whose parameters (query, form or JSON) are already parsed."""

    def __init__(self, method: str, uri: str, data: dict[str, str], headers: Mapping[str, str]):
        super().__init__(method, uri, headers=headers)
        self._params = data
        self.payload = BasicOAuth2Payload(data)

    @property
    def args(self) -> dict[str, str]:
        return self._params

    @property
    def form(self) -> dict[str, str]:
        return self._params


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]  # Authlib is untyped
    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_AUTH_METHODS
    server: "AppsServer"

    def save_authorization_code(self, code: str, request: FormRequest) -> None:
        client: AppClient = request.client
        data = request.payload.data
        self.server.grounds.new_code = NewCode(
            code=code,
            app=client.app,
            user=request.user,
            redirect_uri=request.payload.redirect_uri or client.redirect_uris[0],
            scope=client.get_allowed_scope(request.payload.scope),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
        )

    def query_authorization_code(self, code: str, client: AppClient) -> StoredCode | None:
        row = self.server.grounds.code
        if row is None or row.app_id != client.app.id:
            return None
        if not hmac.compare_digest(row.code_hash, secret_hash(code)):
            return None
        if row.expires_at <= datetime.now(UTC):
            return None
        return StoredCode(row)

    def delete_authorization_code(self, authorization_code: StoredCode) -> None:
        self.server.grounds.spent_code = authorization_code.row

    def authenticate_user(self, authorization_code: StoredCode) -> User | None:
        return self.server.grounds.code_user


class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):  # type: ignore[misc]  # Authlib is untyped
    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_AUTH_METHODS
    server: "AppsServer"

    def authenticate_user(self, username: str, password: str) -> User | None:
        # Checked before Authlib ran (throttled, with argon2 off the event loop). Wrong
        # credentials are `invalid_grant` (RFC 6749 5.2, and Mastodon), not Authlib's
        # `invalid_request`.
        user = self.server.grounds.password_user
        if user is None:
            raise InvalidGrantError("Invalid username or password")
        return user


class ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]  # Authlib is untyped
    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_AUTH_METHODS


class AppsServer(AuthorizationServer):  # type: ignore[misc]  # Authlib is untyped
    def __init__(self, grounds: Grounds) -> None:
        super().__init__(scopes_supported=list(SUPPORTED_SCOPES))
        self.grounds = grounds
        self.register_grant(AuthorizationCodeGrant, [CodeChallenge(required=False)])
        self.register_grant(PasswordGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_token_generator("default", self._generate_token)

    def query_client(self, client_id: str) -> AppClient | None:
        app = self.grounds.app
        return AppClient(app) if app is not None and app.client_id == client_id else None

    def _generate_token(
        self,
        grant_type: str,
        client: AppClient,
        user: User | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        # Mastodon's token answer: no expiry, no refresh token, the scope granted.
        return {
            "access_token": TOKEN_PLACEHOLDER,
            "token_type": "Bearer",
            "scope": client.get_allowed_scope(scope),
            "created_at": int(datetime.now(UTC).timestamp()),
        }

    def save_token(self, token: dict[str, Any], request: FormRequest) -> None:
        client: AppClient = request.client
        self.grounds.new_tokens.append(
            NewToken(app=client.app, user=request.user, scope=token["scope"], body=token)
        )

    def create_oauth2_request(self, request: FormRequest) -> FormRequest:
        return request

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]]
    ) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass  # no listeners
