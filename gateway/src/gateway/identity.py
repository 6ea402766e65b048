"""Who is calling, for per-user rate limits and logs.

The gateway never rejects a token: the services are the authority (a request that bypasses
the gateway is checked there too). An invalid or unverifiable token counts as anonymous.
"""

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
    def __init__(self, verifier: TokenVerifier) -> None:
        self.verifier = verifier

    async def user_id(self, scope: Scope) -> str | None:
        token = bearer_token(scope)
        if token is None:
            return None
        try:
            return str((await self.verifier.verify(token)).id)
        except ApiError:
            return None
