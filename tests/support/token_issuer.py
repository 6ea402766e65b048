"""Stands in for auth where auth itself does not run (service tests, benches): ES256 keys,
their JWKS served over HTTP as auth serves it, and access tokens with auth's claims."""

import time
import uuid

from aiohttp import web
from joserfc import jwt
from joserfc.jwk import ECKey

from stack.processes import free_port

ISSUER = AUDIENCE = "photo-platform"


class TokenIssuer:
    def __init__(self) -> None:
        self.keys = [ECKey.generate_key("P-256", parameters={"kid": "test-key-1"})]
        self.jwks_fetches = 0
        self.jwks_url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/jwks.json", self._jwks)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.jwks_url = f"http://127.0.0.1:{port}/jwks.json"
        return self.jwks_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _jwks(self, _: web.Request) -> web.Response:
        self.jwks_fetches += 1
        return web.json_response({"keys": [k.as_dict(private=False) for k in self.keys]})

    def rotate(self) -> ECKey:
        """A new key signs from now on; the old ones stay published."""
        key = ECKey.generate_key("P-256", parameters={"kid": f"test-key-{len(self.keys) + 1}"})
        self.keys.append(key)
        return key

    @staticmethod
    def claims(user_id: str | None = None, username: str = "someone", **overrides: object) -> dict:
        now = int(time.time())
        return {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": user_id or str(uuid.uuid4()),
            "username": username,
            "iat": now,
            "exp": now + 900,
            "jti": uuid.uuid4().hex,
        } | overrides

    def token(
        self,
        user_id: str | None = None,
        username: str = "someone",
        *,
        key: ECKey | None = None,
        **overrides: object,
    ) -> str:
        key = key or self.keys[-1]
        return jwt.encode(
            {"alg": "ES256", "kid": key.kid}, self.claims(user_id, username, **overrides), key
        )

    def headers(self, user_id: str | None = None, username: str = "someone") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user_id, username)}"}
