"""Fake Kakao, Google and Meta that speak each provider's real OAuth wire protocol.

Each is a small aiohttp server on its own thread and event loop (so it answers whatever
the test's loop is doing). The authorize endpoint auto-approves the fake's `user`, as if
that person were signed in at the provider and clicked "allow"; `user = None` makes it
answer as a denied consent (`error=access_denied`). Codes are single-use, bound to the
client, redirect URI and PKCE challenge; bad ones get the provider's own 400 JSON.
Every code and token a fake hands out is kept in `issued`, so tests can look for them
where they must not be (logs, the database).

    fakes = OAuthFakes().start()
    env = fakes.env()              # AUTH_* settings pointing the auth service here
    fakes.google.user = ProviderUser("g-1", "ann@example.com", "Ann")
"""

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from aiohttp import web
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.fakes.server import ThreadedFake


@dataclass
class ProviderUser:
    subject: str
    email: str | None
    name: str
    email_verified: bool = True
    # Meta only: the person's Pages, each {"id", "name", "instagram_business_account": {...}}.
    pages: list[dict[str, Any]] = field(default_factory=list)


def shop_owner(ig_user_id: str, ig_username: str, **ig_fields: str) -> ProviderUser:
    """A Meta user with two Pages: "My Shop" (1100), whose Instagram business account is
    the one given, and "No Instagram here" (1200), which has none."""
    business = {"id": ig_user_id, "username": ig_username, **ig_fields}
    return ProviderUser(
        subject=f"m{secrets.token_hex(6)}",
        email=None,
        name="Shop Owner",
        pages=[
            {"id": "1100", "name": "My Shop", "instagram_business_account": business},
            {"id": "1200", "name": "No Instagram here"},
        ],
    )


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    user: ProviderUser
    code_challenge: str | None
    nonce: str | None


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class FakeProvider(ThreadedFake):
    """Shared plumbing: the consent screen, code and token bookkeeping."""

    name = "provider"

    def __init__(self, client_id: str, client_secret: str) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.user: ProviderUser | None = None
        self.codes: dict[str, Grant] = {}
        self.tokens: dict[str, ProviderUser] = {}
        self.issued: list[str] = []

    def _new_secret(self, prefix: str) -> str:
        value = f"{prefix}{secrets.token_urlsafe(24)}"
        self.issued.append(value)
        return value

    def issue_token(self, user: ProviderUser, prefix: str = "at-") -> str:
        token = self._new_secret(prefix)
        self.tokens[token] = user
        return token

    def deny_params(self) -> dict[str, str]:
        return {"error": "access_denied", "error_description": "User denied access"}

    async def authorize(self, request: web.Request) -> web.Response:
        """The consent screen, already approved (or denied) by the configured user."""
        query = request.query
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or not redirect_uri:
            return web.json_response({"error": "invalid_client"}, status=400)
        state = {"state": query["state"]} if "state" in query else {}
        if self.user is None:
            raise web.HTTPFound(f"{redirect_uri}?{urlencode(self.deny_params() | state)}")
        if query.get("code_challenge") and query.get("code_challenge_method") != "S256":
            return web.json_response({"error": "invalid_request"}, status=400)
        code = self._new_secret("code-")
        self.codes[code] = Grant(
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            user=self.user,
            code_challenge=query.get("code_challenge"),
            nonce=query.get("nonce"),
        )
        raise web.HTTPFound(f"{redirect_uri}?{urlencode({'code': code} | state)}")

    def redeem(self, form: dict[str, str], client_id: str | None, secret: str | None) -> Grant:
        """The grant behind a code, or ValueError naming what is wrong (codes are single-use)."""
        if client_id != self.client_id or secret != self.client_secret:
            raise ValueError("invalid_client")
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant.redirect_uri != form.get("redirect_uri"):
            raise ValueError("invalid_grant")
        if grant.code_challenge and s256(form.get("code_verifier", "")) != grant.code_challenge:
            raise ValueError("invalid_grant")
        return grant

    def bearer_user(self, request: web.Request) -> ProviderUser | None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
        token = token or request.query.get("access_token")
        return self.tokens.get(token or "")


class FakeKakao(FakeProvider):
    """kauth.kakao.com (authorize, token with client_secret_post) and kapi.kakao.com."""

    name = "kakao"

    def __init__(self, client_id: str, client_secret: str, admin_key: str) -> None:
        super().__init__(client_id, client_secret)
        self.admin_key = admin_key
        self.unlinked: list[str] = []

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/oauth/authorize", self.authorize)
        app.router.add_post("/oauth/token", self.token)
        app.router.add_get("/v2/user/me", self.me)
        app.router.add_post("/v1/user/unlink", self.unlink)

    async def token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        try:
            grant = self.redeem(form, form.get("client_id"), form.get("client_secret"))
        except ValueError as exc:
            return web.json_response(
                {
                    "error": str(exc),
                    "error_description": "authorization code not found for code=...",
                    "error_code": "KOE320",
                },
                status=400,
            )
        return web.json_response(
            {
                "token_type": "bearer",
                "access_token": self.issue_token(grant.user),
                "expires_in": 21599,
                "refresh_token": self._new_secret("rt-"),
                "refresh_token_expires_in": 5183999,
                "scope": "profile_nickname account_email",
            }
        )

    async def me(self, request: web.Request) -> web.Response:
        user = self.bearer_user(request)
        if user is None:
            return web.json_response(
                {"msg": "this access token does not exist", "code": -401}, status=401
            )
        account: dict[str, Any] = {
            "profile_nickname_needs_agreement": False,
            "profile": {
                "nickname": user.name,
                "profile_image_url": f"http://k.kakaocdn.net/{user.subject}.jpg",
                "is_default_image": False,
            },
            "has_email": user.email is not None,
        }
        if user.email:
            account |= {
                "email_needs_agreement": False,
                "is_email_valid": True,
                "is_email_verified": user.email_verified,
                "email": user.email,
            }
        return web.json_response(
            {
                "id": int(user.subject),
                "connected_at": "2026-01-01T00:00:00Z",
                "properties": {"nickname": user.name},
                "kakao_account": account,
            }
        )

    async def unlink(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"KakaoAK {self.admin_key}":
            return web.json_response({"msg": "wrong appKey", "code": -401}, status=401)
        form = await request.post()
        if form.get("target_id_type") != "user_id" or not form.get("target_id"):
            return web.json_response({"msg": "target_id is required", "code": -2}, status=400)
        self.unlinked.append(str(form["target_id"]))
        return web.json_response({"id": int(form["target_id"])})


class FakeGoogle(FakeProvider):
    """An OpenID Connect provider: discovery, JWKS, RS256 id_tokens carrying the nonce."""

    name = "google"

    def __init__(self, client_id: str, client_secret: str) -> None:
        super().__init__(client_id, client_secret)
        self.key = RSAKey.generate_key(
            2048, parameters={"alg": "RS256", "use": "sig"}, auto_kid=True
        )
        # Set to sign id_tokens with a nonce other than the one the client sent.
        self.wrong_nonce = False

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/.well-known/openid-configuration", self.discovery)
        app.router.add_get("/o/oauth2/v2/auth", self.authorize)
        app.router.add_post("/token", self.token)
        app.router.add_get("/oauth2/v3/certs", self.certs)

    async def discovery(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/o/oauth2/v2/auth",
                "token_endpoint": f"{self.url}/token",
                "jwks_uri": f"{self.url}/oauth2/v3/certs",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                ],
                "code_challenge_methods_supported": ["plain", "S256"],
            }
        )

    async def certs(self, request: web.Request) -> web.Response:
        return web.json_response({"keys": [self.key.as_dict(private=False)]})

    async def token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        try:
            grant = self.redeem(form, client_id, secret)
        except ValueError as exc:
            return web.json_response(
                {"error": str(exc), "error_description": "Bad Request"}, status=400
            )
        now = int(time.time())
        user = grant.user
        claims = {
            "iss": self.url,
            "azp": self.client_id,
            "aud": self.client_id,
            "sub": user.subject,
            "email": user.email,
            "email_verified": user.email_verified,
            "name": user.name,
            "picture": f"https://lh3.googleusercontent.com/a/{user.subject}",
            "iat": now,
            "exp": now + 3600,
        }
        if grant.nonce:
            claims["nonce"] = "not-the-nonce-you-sent" if self.wrong_nonce else grant.nonce
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)
        return web.json_response(
            {
                "access_token": self.issue_token(user, "ya29."),
                "expires_in": 3599,
                "scope": "openid https://www.googleapis.com/auth/userinfo.email",
                "token_type": "Bearer",
                "id_token": id_token,
            }
        )


class FakeMeta(FakeProvider):
    """www.facebook.com's OAuth dialog and graph.facebook.com, under one versioned prefix."""

    name = "meta"
    version = "v19.0"

    def routes(self, app: web.Application) -> None:
        v = f"/{self.version}"
        app.router.add_get(f"{v}/dialog/oauth", self.authorize)
        app.router.add_route("*", f"{v}/oauth/access_token", self.access_token)
        app.router.add_get(f"{v}/me", self.me)
        app.router.add_get(f"{v}/me/accounts", self.accounts)

    @property
    def authorize_url(self) -> str:
        return f"{self.url}/{self.version}/dialog/oauth"

    @property
    def graph_url(self) -> str:
        return f"{self.url}/{self.version}"

    def deny_params(self) -> dict[str, str]:
        return {
            "error": "access_denied",
            "error_code": "200",
            "error_description": "Permissions error",
            "error_reason": "user_denied",
        }

    @staticmethod
    def graph_error(message: str, code: int, status: int = 400) -> web.Response:
        error = {"message": message, "type": "OAuthException", "code": code}
        return web.json_response(
            {"error": error | {"fbtrace_id": secrets.token_hex(8)}}, status=status
        )

    async def access_token(self, request: web.Request) -> web.Response:
        params = dict(request.query) | dict(await request.post())
        if params.get("grant_type") == "fb_exchange_token":
            if (params.get("client_id"), params.get("client_secret")) != (
                self.client_id,
                self.client_secret,
            ):
                return self.graph_error("Error validating client secret.", 1)
            user = self.tokens.get(params.get("fb_exchange_token", ""))
            if user is None:
                return self.graph_error("Invalid OAuth access token.", 190)
            long_lived = self.issue_token(user, "EAAlong")
            return web.json_response(
                {"access_token": long_lived, "token_type": "bearer", "expires_in": 5183944}
            )
        try:
            grant = self.redeem(params, params.get("client_id"), params.get("client_secret"))
        except ValueError:
            return self.graph_error("Invalid verification code format.", 100)
        return web.json_response(
            {
                "access_token": self.issue_token(grant.user, "EAAshort"),
                "token_type": "bearer",
                "expires_in": 5400,
            }
        )

    async def me(self, request: web.Request) -> web.Response:
        user = self.bearer_user(request)
        if user is None:
            return self.graph_error("Invalid OAuth access token - Cannot parse access token", 190)
        fields = request.query.get("fields", "id,name").split(",")
        every = {
            "id": user.subject,
            "name": user.name,
            "email": user.email,
            "picture": {
                "data": {
                    "height": 50,
                    "width": 50,
                    "is_silhouette": False,
                    "url": f"https://platform-lookaside.fbsbx.com/{user.subject}",
                }
            },
        }
        return web.json_response({k: every[k] for k in fields if every.get(k) is not None})

    async def accounts(self, request: web.Request) -> web.Response:
        user = self.bearer_user(request)
        if user is None:
            return self.graph_error("Invalid OAuth access token - Cannot parse access token", 190)
        cursor = base64.urlsafe_b64encode(b"0").decode()
        return web.json_response(
            {"data": user.pages, "paging": {"cursors": {"before": cursor, "after": cursor}}}
        )


async def browse(client: httpx.AsyncClient, url: str, *, stop_at: str, **kwargs: Any) -> httpx.URL:
    """Follow redirects as a browser would (cookies included) from `url` until one leads to
    `stop_at` (the frontend, which is not running); returns that URL."""
    response = await client.get(url, **kwargs)
    for _ in range(10):
        if not response.is_redirect:
            raise AssertionError(f"{response.status_code} at {response.url}: {response.text}")
        target = response.url.join(response.headers["location"])
        if str(target).startswith(stop_at):
            return target
        response = await client.get(target)
    raise AssertionError("too many redirects")


class OAuthFakes:
    """The three providers, started together, and the auth settings that point at them."""

    def __init__(self) -> None:
        self.kakao = FakeKakao("kakao-rest-key", "kakao-secret", "kakao-admin-key")
        self.google = FakeGoogle("google-client.apps.googleusercontent.com", "google-secret")
        self.meta = FakeMeta("meta-app-id", "meta-app-secret")
        self.all: tuple[FakeProvider, ...] = (self.kakao, self.google, self.meta)

    def start(self) -> "OAuthFakes":
        for fake in self.all:
            fake.start()
        return self

    def stop(self) -> None:
        for fake in self.all:
            fake.stop()

    def issued_secrets(self) -> list[str]:
        return [secret for fake in self.all for secret in fake.issued]

    def env(self) -> dict[str, str]:
        kakao, google, meta = self.kakao, self.google, self.meta
        return {
            "AUTH_KAKAO_CLIENT_ID": kakao.client_id,
            "AUTH_KAKAO_CLIENT_SECRET": kakao.client_secret,
            "AUTH_KAKAO_ADMIN_KEY": kakao.admin_key,
            "AUTH_KAKAO_AUTHORIZE_URL": f"{kakao.url}/oauth/authorize",
            "AUTH_KAKAO_TOKEN_URL": f"{kakao.url}/oauth/token",
            "AUTH_KAKAO_USERINFO_URL": f"{kakao.url}/v2/user/me",
            "AUTH_KAKAO_UNLINK_URL": f"{kakao.url}/v1/user/unlink",
            "AUTH_GOOGLE_CLIENT_ID": google.client_id,
            "AUTH_GOOGLE_CLIENT_SECRET": google.client_secret,
            "AUTH_GOOGLE_DISCOVERY_URL": f"{google.url}/.well-known/openid-configuration",
            "AUTH_META_CLIENT_ID": meta.client_id,
            "AUTH_META_CLIENT_SECRET": meta.client_secret,
            "AUTH_META_AUTHORIZE_URL": meta.authorize_url,
            "AUTH_META_GRAPH_URL": meta.graph_url,
        }
