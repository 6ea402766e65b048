"""Who is calling, for per-user rate limits and logs.

The gateway never rejects a token: the services are the authority (a request that bypasses
the gateway is checked there too). An invalid or unverifiable token counts as anonymous.
"""

from collections.abc import Iterable

from common.errors import ApiError
from common.tokens import TokenVerifier


def bearer_token(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The bearer token of a request's headers (names in lower case, as ASGI has them)."""
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() or None if scheme.lower() == "bearer" else None
    return None


class Identity:
    def __init__(self, verifier: TokenVerifier) -> None:
        self.verifier = verifier

    async def user_id(self, token: str) -> str | None:
        try:
            return str((await self.verifier.verify(token)).id)
        except ApiError:
            return None
