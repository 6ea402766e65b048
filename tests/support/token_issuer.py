"""Stands in for auth where auth itself does not run (service tests, benches): ES256 keys,
their JWKS served over HTTP as auth serves it, access tokens with auth's claims, and auth's
public user lookup (GET /auth/users/{id}) for the users it issued tokens to."""

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
        self.url = ""
        # Who got a token: auth knows them, so the public lookup finds them.
        self.users: dict[str, str] = {}
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/jwks.json", self._jwks)
        app.router.add_get("/auth/users/{user_id}", self._public_user)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        self.jwks_url = f"{self.url}/jwks.json"
        return self.jwks_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _jwks(self, _: web.Request) -> web.Response:
        self.jwks_fetches += 1
        return web.json_response({"keys": [k.as_dict(private=False) for k in self.keys]})

    async def _public_user(self, request: web.Request) -> web.Response:
        user_id = request.match_info["user_id"]
        if user_id not in self.users:
            error = {"code": "user_not_found", "message": "User not found", "request_id": None}
            return web.json_response({"error": error}, status=404)
        return web.json_response({"id": user_id, "username": self.users[user_id]})

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
        claims = self.claims(user_id, username, **overrides)
        self.users[str(claims["sub"])] = username
        return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)

    def headers(self, user_id: str | None = None, username: str = "someone") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user_id, username)}"}
