"""Mastodon's Application entity, the registration body, and the consent screen's."""

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, BeforeValidator, Field

from auth.apps.models import OAuthApp
from common.app_tokens import SUPPORTED_SCOPES
from common.text import NUL_FREE


def _words(value: object) -> object:
    # Mastodon takes a list either as an array or as one string, space-separated.
    return value.split() if isinstance(value, str) else value


# An absolute URI (a scheme, then visible ASCII: RFC 3986 percent-encodes the rest), or
# the out-of-band marker, which is one. Not `\S`: JSON Schema's regex and Python's disagree
# on which characters are spaces (U+0085 is one to Python only), and the schema must say
# exactly what is accepted.
RedirectUri = Annotated[
    str, Field(max_length=2000, pattern=r"^[A-Za-z][A-Za-z0-9+.-]*:[!-~]+$"), NUL_FREE
]
Scope = Literal[SUPPORTED_SCOPES]  # type: ignore[valid-type]


class AppCreate(BaseModel):
    client_name: Annotated[str, Field(min_length=1, max_length=200), NUL_FREE]
    redirect_uris: Annotated[list[RedirectUri], BeforeValidator(_words)] = Field(
        min_length=1, max_length=20
    )
    scopes: Annotated[list[Scope], BeforeValidator(_words)] = Field(
        default_factory=lambda: ["read"], max_length=len(SUPPORTED_SCOPES)
    )
    website: Annotated[str, Field(max_length=2000), NUL_FREE] | None = None

    @property
    def redirect_uri_list(self) -> list[str]:
        return list(dict.fromkeys(self.redirect_uris))

    @property
    def scope_list(self) -> list[str]:
        return list(dict.fromkeys(self.scopes))


class AppRead(BaseModel):
    """Mastodon's Application; `client_secret` only in the registration's answer."""

    id: str
    name: str
    website: str | None
    scopes: list[str]
    redirect_uri: str
    redirect_uris: list[str]
    client_id: str | None = None
    client_secret: str | None = None
    client_secret_expires_at: int | None = None
    vapid_key: str = ""  # deprecated by Mastodon, still read by older clients

    @classmethod
    def of(cls, app: OAuthApp, *, client_secret: str | None = None) -> Self:
        uris = app.redirect_uris.split()
        return cls(
            id=str(app.id),
            name=app.name,
            website=app.website,
            scopes=app.scopes.split(),
            redirect_uri="\n".join(uris),
            redirect_uris=uris,
            client_id=app.client_id if client_secret else None,
            client_secret=client_secret,
            client_secret_expires_at=0 if client_secret else None,
        )


# RFC 6749's character sets: a client id and scopes are visible ASCII (VSCHAR, NQCHAR), a
# PKCE challenge base64url (RFC 7636).
VISIBLE_ASCII = r"^[\x20-\x7e]*$"
SCOPE_CHARACTERS = r"^[\x21\x23-\x5b\x5d-\x7e ]*$"


class AuthorizationRequest(BaseModel):
    """The parameters of `GET /oauth/authorize`, which the consent screen passes on."""

    response_type: Literal["code"] = "code"
    client_id: str = Field(max_length=64, pattern=VISIBLE_ASCII)
    redirect_uri: str | None = Field(default=None, max_length=2000, pattern=VISIBLE_ASCII)
    scope: str | None = Field(
        default=None, max_length=1000, pattern=r"^[\x21\x23-\x5b\x5d-\x7e ]*$"
    )
    state: str | None = Field(default=None, max_length=2000, pattern=VISIBLE_ASCII)
    code_challenge: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._~-]{43,128}$")
    code_challenge_method: Literal["S256", "plain"] | None = None


class ConsentRead(BaseModel):
    name: str
    website: str | None
    scopes: list[str]
    redirect_uri: str


class ConsentDecision(AuthorizationRequest):
    approve: bool


class AuthorizationDecision(BaseModel):
    """Where the browser goes next, or, for an out-of-band app, the code to show."""

    redirect_to: str | None = None
    code: str | None = None
    error: str | None = None


class AuthorizedApp(BaseModel):
    id: uuid.UUID
    name: str
    website: str | None
    scopes: list[str]
    authorized_at: datetime


class TokenRevoke(BaseModel):
    client_id: Annotated[str, Field(max_length=64), NUL_FREE]
    client_secret: Annotated[str, Field(max_length=200), NUL_FREE]
    token: Annotated[str, Field(max_length=4000), NUL_FREE]


class OAuthToken(BaseModel):
    """Mastodon's Token entity."""

    access_token: str
    token_type: str
    scope: str
    created_at: int


class OAuthServerMetadata(BaseModel):
    """RFC 8414's metadata, with Mastodon's `app_registration_endpoint`."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str
    app_registration_endpoint: str
    scopes_supported: list[str]
    response_types_supported: list[str]
    response_modes_supported: list[str]
    grant_types_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    code_challenge_methods_supported: list[str]
    service_documentation: str | None = None
