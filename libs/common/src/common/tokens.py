"""Access-token verification from auth's JWKS, used by every service and the gateway.

The JWKS is cached and refetched when a token names an unknown `kid` (key rotation),
at most once per `refetch_interval` so forged kids cannot hammer auth.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
from cachetools import TLRUCache
from fastapi import Depends, FastAPI, Request
from fastapi.security import OAuth2PasswordBearer
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from common.errors import DependencyUnavailable, Unauthorized
from common.ids import UserId
from common.request_id import REQUEST_ID_HOOKS
from common.settings import TokenSettings

ALGORITHMS = ["ES256"]


@dataclass(frozen=True)
class Principal:
    """The caller, as the access token says."""

    id: UserId
    username: str
    claims: dict[str, Any] = field(repr=False)


class TokenVerifier:
    def __init__(
        self,
        *,
        jwks_url: str,
        issuer: str,
        audience: str,
        http: httpx.AsyncClient | None = None,
        refetch_interval: float = 1.0,
    ) -> None:
        self.jwks_url = jwks_url
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


async def optional_user(
    request: Request, token: Annotated[str | None, Depends(bearer_scheme)]
) -> Principal | None:
    if token is None:
        return None
    principal = await request.app.state.token_verifier.verify(token)
    request.state.user_id = str(principal.id)  # for the access log
    result: Principal | None = principal
    return result


async def current_user(user: Annotated[Principal | None, Depends(optional_user)]) -> Principal:
    if user is None:
        raise Unauthorized()
    return user


CurrentUser = Annotated[Principal, Depends(current_user)]
OptionalUser = Annotated[Principal | None, Depends(optional_user)]


@asynccontextmanager
async def token_verification(app: FastAPI, settings: TokenSettings) -> AsyncIterator[TokenVerifier]:
    """Lifespan part: the verifier behind `CurrentUser`, on `app.state.token_verifier`."""
    verifier = TokenVerifier(
        jwks_url=settings.jwks_url, issuer=settings.token_issuer, audience=settings.token_audience
    )
    app.state.token_verifier = verifier
    try:
        yield verifier
    finally:
        await verifier.aclose()
