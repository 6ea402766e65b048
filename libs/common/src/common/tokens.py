"""Access-token verification from auth's JWKS, used by every service and the gateway.

The JWKS is cached and refetched when a token names an unknown `kid` (key rotation),
at most once per `refetch_interval` so forged kids cannot hammer auth.

Revocation: auth publishes, in a Redis hash, a per-user "not before" time (sign out
everywhere, a password reset, a deleted account) and the sessions it ended (a device
signed out, the other sessions after a password change), and appends each change to a
stream. Each verifier keeps the hash in memory (`Revocations`), read once at start and
kept current by a background loop that follows the stream, so checking a token costs a
dict lookup and no round trip.
"""

import asyncio
import contextlib
import hashlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import httpx
from cachetools import TLRUCache
from fastapi import Depends, FastAPI, Request
from fastapi.security import OAuth2PasswordBearer
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from common.errors import DependencyUnavailable, Unauthorized
from common.ids import UserId
from common.loops import BackgroundLoop
from common.request_id import REQUEST_ID_HOOKS
from common.settings import UserEventSettings

if TYPE_CHECKING:  # redis is the `service` extra; the gateway verifies without it
    from redis.asyncio import Redis

ALGORITHMS = ["ES256"]


@dataclass(frozen=True)
class Principal:
    """The caller, as the access token says."""

    id: UserId
    username: str
    claims: dict[str, Any] = field(repr=False)


USER_FIELD = "user:"  # user:<pseudonym> -> the second before which its tokens are dead
# sid:<session id> -> when that session was ended; for an app token (common.app_tokens),
# which lives for years, its expiry instead, so that it is kept as long as it matters.
SESSION_FIELD = "sid:"
# How long an entry matters: past the longest access-token lifetime no token it could
# refuse is alive. Auth's access tokens live 900 s; this leaves room for a longer setting.
REVOCATION_KEEP_SECONDS = 3600
# The stream follower's blocking read: below the Redis client's read timeout (10 s).
FOLLOW_BLOCK_MS = 5000


def user_pseudonym(user_id: str) -> str:
    """What names a user in the revocations: a deleted account's id must leave Redis with
    the rest of its data (tests/e2e/test_account_deletion.py), while its entry must stay
    until its tokens have expired."""
    return hashlib.sha256(user_id.encode()).hexdigest()[:32]


def revocations_stream(key: str) -> str:
    """The stream of changes that goes with the hash `key`."""
    return f"{key}:changes"


class Revocations:
    """Who is signed out, as auth published it, kept in memory.

    `sync()` reads the whole hash (at start and after an outage of Redis, when changes may
    have been missed) and `follow()` applies the stream's entries after it; both are steps
    of one BackgroundLoop. While Redis is down the last known state keeps being enforced.
    """

    def __init__(self, redis: "Redis", key: str) -> None:
        self.redis = redis
        self.key = key
        self.stream = revocations_stream(key)
        self.users: dict[str, float] = {}
        self.sessions: dict[str, float] = {}
        self._last_id: str | None = None  # None: read the whole hash before following

    def refuses(self, claims: dict[str, Any]) -> bool:
        """True when the token these claims belong to was revoked (no I/O)."""
        if self.sessions and str(claims.get("sid", "")) in self.sessions:
            return True
        if not self.users:
            return False
        not_before = self.users.get(user_pseudonym(str(claims.get("sub", ""))))
        return not_before is not None and float(claims.get("iat", 0)) < not_before

    def _apply(self, field_name: str, value: str) -> None:
        if field_name.startswith(USER_FIELD):
            user = field_name.removeprefix(USER_FIELD)
            self.users[user] = max(float(value), self.users.get(user, 0.0))
        elif field_name.startswith(SESSION_FIELD):
            self.sessions[field_name.removeprefix(SESSION_FIELD)] = float(value)

    def _forget_old(self) -> None:
        horizon = time.time() - REVOCATION_KEEP_SECONDS
        for table in (self.users, self.sessions):
            for name in [name for name, at in table.items() if at < horizon]:
                del table[name]

    async def sync(self) -> None:
        """Everything published so far, and where in the stream to follow from."""
        # The stream's position first: what is published between the two reads is read
        # twice (harmless), never missed.
        newest = await self.redis.xrevrange(self.stream, count=1)
        last_id = newest[0][0] if newest else "0-0"
        # redis-py types hgetall for its sync and async clients at once.
        entries: dict[str, str] = await self.redis.hgetall(self.key)  # type: ignore[misc]
        self.users, self.sessions = {}, {}
        for name, value in entries.items():
            self._apply(name, value)
        self._forget_old()
        self._last_id = last_id

    async def step(self) -> None:
        """One loop step: sync if needed, then wait for and apply the next changes."""
        try:
            if self._last_id is None:
                await self.sync()
            assert self._last_id is not None
            read = await self.redis.xread({self.stream: self._last_id}, block=FOLLOW_BLOCK_MS)
        except BaseException:
            self._last_id = None  # changes may be missed while Redis is away: sync again
            raise
        for _stream, entries in read or []:
            for entry_id, fields in entries:
                for name, value in fields.items():
                    self._apply(name, value)
                self._last_id = entry_id
        self._forget_old()


class TokenVerifier:
    def __init__(
        self,
        *,
        jwks_url: str,
        issuer: str,
        audience: str,
        http: httpx.AsyncClient | None = None,
        refetch_interval: float = 1.0,
        revocations: Revocations | None = None,
    ) -> None:
        self.jwks_url = jwks_url
        self.revocations = revocations
        self.http = http or httpx.AsyncClient(timeout=5.0, event_hooks=REQUEST_ID_HOOKS)
        self.refetch_interval = refetch_interval
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        self._verified: TLRUCache[str, Principal] = TLRUCache(
            maxsize=10_000, ttu=lambda _token, p, _now: float(p.claims["exp"]), timer=time.time
        )
        self._claims = jwt.JWTClaimsRegistry(
            leeway=5,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _fetch(self) -> None:
        try:
            response = await self.http.get(self.jwks_url)
            response.raise_for_status()
            self._keys = KeySet.import_key_set(response.json())
        except (httpx.HTTPError, ValueError, JoseError) as exc:
            if self._keys is None:
                raise DependencyUnavailable("auth", "Cannot verify tokens right now") from exc
        self._fetched_at = time.monotonic()

    async def _keys_now(self) -> KeySet:
        async with self._lock:
            if self._keys is None:
                await self._fetch()
            assert self._keys is not None
            return self._keys

    async def _keys_after(self, seen_at: float) -> KeySet:
        """Keys fetched after `seen_at`: a token named a kid we did not know then.

        Concurrent callers share one fetch, and fetches are at least `refetch_interval`
        apart (a caller waits out the rest), so forged kids cannot hammer auth while a
        real new key is still found within that interval of a rotation.
        """
        async with self._lock:
            if self._fetched_at <= seen_at:
                await asyncio.sleep(
                    max(0.0, self._fetched_at + self.refetch_interval - time.monotonic())
                )
                await self._fetch()
            assert self._keys is not None
            return self._keys

    def _decode(self, token: str, keys: KeySet) -> jwt.Token:
        return jwt.decode(token, keys, algorithms=ALGORITHMS)

    async def verify(self, token: str) -> Principal:
        """The token's principal; a token already verified is served from memory until its
        `exp`, so a client's every request does not pay for the signature again."""
        principal = self._verified.get(token)
        if principal is None:
            principal = await self._verify(token)
            self._verified[token] = principal
        if self.revocations is not None and self.revocations.refuses(principal.claims):
            raise Unauthorized("Access token revoked", code="token_revoked")
        return principal

    async def _verify(self, token: str) -> Principal:
        seen_at = time.monotonic()
        keys = self._keys or await self._keys_now()
        try:
            try:
                decoded = self._decode(token, keys)
            except InvalidKeyIdError:
                decoded = self._decode(token, await self._keys_after(seen_at))
            self._claims.validate(decoded.claims)
            claims = decoded.claims
            # Every service stores users by this id: a `sub` that is no UserId is no user.
            user_id = UserId(str(claims["sub"]))
        except ExpiredTokenError as exc:
            raise Unauthorized("Access token expired", code="token_expired") from exc
        except (JoseError, ValueError, KeyError) as exc:
            raise Unauthorized("Invalid access token", code="invalid_token") from exc
        return Principal(id=user_id, username=str(claims.get("username", "")), claims=claims)


# Declares the bearer scheme in OpenAPI, so Swagger's Authorize button logs in through auth.
bearer_scheme = OAuth2PasswordBearer(tokenUrl="/auth/login", auto_error=False)


# The request's bearer token, if any (declares the scheme in OpenAPI).
BearerToken = Annotated[str | None, Depends(bearer_scheme)]


async def optional_user(request: Request, token: BearerToken) -> Principal | None:
    """Who the bearer token names (None: no token; 401: a bad one). The read path's
    dependencies call it directly: each level of FastAPI's dependencies costs a request
    measurable time (bench/feed.py)."""
    if token is None:
        return None
    principal = await request.app.state.token_verifier.verify(token)
    if "scope" in principal.claims:
        # A third-party app's token (common.app_tokens) is good for the Mastodon client API
        # only: an app granted `read` must not reach the account's own settings.
        raise Unauthorized("App tokens are for the Mastodon client API", code="app_token")
    request.state.user_id = str(principal.id)  # for the access log
    result: Principal | None = principal
    return result


def signed_in(user: Principal | None) -> Principal:
    """The principal, or 401 when the request came without a token."""
    if user is None:
        raise Unauthorized()
    return user


async def current_user(user: Annotated[Principal | None, Depends(optional_user)]) -> Principal:
    return signed_in(user)


CurrentUser = Annotated[Principal, Depends(current_user)]
OptionalUser = Annotated[Principal | None, Depends(optional_user)]


@asynccontextmanager
async def token_verification(
    app: FastAPI, settings: UserEventSettings
) -> AsyncIterator[TokenVerifier]:
    """Lifespan part: the verifier behind `CurrentUser`, on `app.state.token_verifier`,
    honouring auth's revocations (read from `app.state.redis`, which must be set)."""
    revocations = Revocations(app.state.redis, settings.revocations_key)
    verifier = TokenVerifier(
        jwks_url=settings.jwks_url,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        revocations=revocations,
    )
    app.state.token_verifier = verifier
    try:
        async with following_revocations(revocations):
            yield verifier
    finally:
        await verifier.aclose()


@asynccontextmanager
async def following_revocations(revocations: Revocations) -> AsyncIterator[None]:
    """Lifespan part: the revocations read before the first request, then followed."""
    # Redis down at start: the loop syncs once it is back (and logs the outage).
    with contextlib.suppress(Exception):
        await revocations.sync()
    async with BackgroundLoop("token revocations follower", revocations.step, interval_seconds=0):
        yield
