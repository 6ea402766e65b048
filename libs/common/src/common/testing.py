"""For tests and benchmarks only: an issuer that signs access tokens as auth does and
serves its public key as a JWKS, so a service can be run without the auth service."""

import time
import uuid
from typing import Any

from aiohttp import web
from joserfc import jwt
from joserfc.jwk import ECKey


class TokenIssuer:
    def __init__(self, kid: str = "test") -> None:
        self.key = ECKey.generate_key("P-256", parameters={"kid": kid})
        self._runner: web.AppRunner | None = None

    def token(self, user_id: uuid.UUID | str, username: str, **claims: Any) -> str:
        """An access token with auth's claims; `claims` override or add (e.g. `iat=`)."""
        now = int(time.time())
        payload = {
            "iss": "photo-platform",
            "aud": "photo-platform",
            "sub": str(user_id),
            "username": username,
            "iat": now,
            "exp": now + 900,
            "jti": uuid.uuid4().hex,
        } | claims
        return jwt.encode({"alg": "ES256", "kid": self.key.kid}, payload, self.key)

    async def serve(self, port: int) -> str:
        """Serve the JWKS on 127.0.0.1:`port`; returns its URL."""

        async def keys(_: web.Request) -> web.Response:
            return web.json_response({"keys": [self.key.as_dict(private=False)]})

        app = web.Application()
        app.router.add_get("/jwks.json", keys)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        return f"http://127.0.0.1:{port}/jwks.json"

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
