"""Who is calling, for per-user rate limits and logs.

The gateway never rejects a token: the services are the authority (a request that bypasses
the gateway is checked there too). An invalid or unverifiable token counts as anonymous.
Verified tokens are cached until they expire, so the signature is checked once per token,
not once per request.
"""

import time

from cachetools import TLRUCache
from starlette.types import Scope

from common.errors import ApiError
from common.tokens import TokenVerifier


def bearer_token(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() or None if scheme.lower() == "bearer" else None
    return None


class Identity:
    def __init__(self, verifier: TokenVerifier, cache_size: int = 10_000) -> None:
        self.verifier = verifier
        # Each entry lives until its token's own `exp`.
        self.user_ids: TLRUCache[str, tuple[str, float]] = TLRUCache(
            maxsize=cache_size, ttu=lambda _token, value, _now: value[1], timer=time.time
        )

    async def user_id(self, scope: Scope) -> str | None:
        token = bearer_token(scope)
        if token is None:
            return None
        cached = self.user_ids.get(token)
        if cached is not None:
            return cached[0]
        try:
            principal = await self.verifier.verify(token)
        except ApiError:
            return None
        self.user_ids[token] = (principal.id, float(principal.claims["exp"]))
        return principal.id
