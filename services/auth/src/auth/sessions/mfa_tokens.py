"""The half-way point of a sign-in that needs a second factor.

A password or provider sign-in of an account with TOTP on opens no session: it gets an
`mfa_token`, 256 random bits bound to the user, kept in Redis only as its SHA-256 for a
few minutes, that `POST /auth/login/mfa` spends once with a code. It lives here, beside
the sign-in it interrupts, so that both sign-in and the second-factor check (auth.mfa,
above sessions) can reach it without importing each other.
"""

import hashlib
import secrets
import uuid

from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from auth.config import Settings
from common.errors import Unauthorized, error_body

MFA_TOKEN_TTL_SECONDS = 300


class MfaTokens:
    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.prefix = f"{settings.redis_prefix}mfa-token:"

    def _key(self, token: str) -> str:
        return self.prefix + hashlib.sha256(token.encode()).hexdigest()

    async def issue(self, user_id: uuid.UUID) -> str:
        """A new token for `user_id`, valid for MFA_TOKEN_TTL_SECONDS."""
        token = secrets.token_urlsafe(32)
        await self.redis.set(self._key(token), str(user_id), ex=MFA_TOKEN_TTL_SECONDS)
        return token

    async def user_of(self, token: str) -> uuid.UUID | None:
        """Whose half-finished sign-in this is, without spending it (a mistyped code may
        be tried again)."""
        value = await self.redis.get(self._key(token))
        return uuid.UUID(value.decode() if isinstance(value, bytes) else value) if value else None

    async def spend(self, token: str) -> bool:
        """True for exactly one caller: two requests racing with one token open one session."""
        return bool(await self.redis.delete(self._key(token)))


class MfaRequired(Unauthorized):
    """The password (or provider) was right; the sign-in now needs the second factor."""

    code = "mfa_required"
    message = "Enter a code from your authenticator app or a recovery code"

    def __init__(self, mfa_token: str) -> None:
        super().__init__()
        self.mfa_token = mfa_token

    def response(self) -> JSONResponse:
        """401 in the shared error shape, with the token beside `error` (API.md)."""
        body = error_body(self.code, self.message) | {"mfa_token": self.mfa_token}
        return JSONResponse(body, status_code=self.status, headers=self.headers)
