"""Token verification against a real JWKS endpoint: what is accepted and what never is."""

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from joserfc import jwt
from joserfc.jwk import ECKey

from common.errors import ApiError, Unauthorized
from common.tokens import TokenVerifier
from stack.processes import free_port

ISSUER, AUDIENCE = "photo-platform", "photo-platform"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "username": "alice",
        "iat": now,
        "exp": now + 900,
        "jti": "j1",
    } | overrides


def sign(key: ECKey, **overrides: object) -> str:
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims(**overrides), key)


class Jwks:
    """auth's /.well-known/jwks.json, with keys a test can rotate."""

    def __init__(self) -> None:
        self.keys = [ECKey.generate_key("P-256", parameters={"kid": "k1"})]
        self.fetches = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.fetches += 1
        return web.json_response({"keys": [k.as_dict(private=False) for k in self.keys]})


@pytest.fixture
async def jwks() -> AsyncIterator[tuple[Jwks, str]]:
    store = Jwks()
    app = web.Application()
    app.router.add_get("/jwks.json", store.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield store, f"http://127.0.0.1:{port}/jwks.json"
    await runner.cleanup()


@pytest.fixture
async def verifier(jwks) -> AsyncIterator[TokenVerifier]:
    verifier = TokenVerifier(jwks_url=jwks[1], issuer=ISSUER, audience=AUDIENCE)
    yield verifier
    await verifier.aclose()


async def rejected(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(Unauthorized) as caught:
        await verifier.verify(token)
    assert caught.value.status == 401
    return caught.value.code


async def test_a_valid_token_names_the_user(verifier, jwks):
    principal = await verifier.verify(sign(jwks[0].keys[0]))
    assert (principal.id, principal.username) == ("user-1", "alice")


async def test_the_jwks_is_cached(verifier, jwks):
    for _ in range(5):
        await verifier.verify(sign(jwks[0].keys[0]))
    assert jwks[0].fetches == 1


async def test_expired_tokens_are_refused(verifier, jwks):
    token = sign(jwks[0].keys[0], exp=int(time.time()) - 60)
    assert await rejected(verifier, token) == "token_expired"


async def test_alg_none_is_refused(verifier):
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    token = f"{header}.{b64(json.dumps(claims()).encode())}."
    assert await rejected(verifier, token) == "invalid_token"


async def test_hs256_signed_with_the_public_key_is_refused(verifier, jwks):
    public_pem = jwks[0].keys[0].as_pem(private=False)
    signing_input = ".".join(
        [
            b64(json.dumps({"alg": "HS256", "kid": "k1"}).encode()),
            b64(json.dumps(claims()).encode()),
        ]
    )
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    assert await rejected(verifier, f"{signing_input}.{b64(mac)}") == "invalid_token"


async def test_a_foreign_key_is_refused_even_with_a_known_kid(verifier):
    foreign = ECKey.generate_key("P-256", parameters={"kid": "k1"})
    assert await rejected(verifier, sign(foreign)) == "invalid_token"


async def test_forged_kids_share_one_refetch(verifier, jwks):
    await verifier.verify(sign(jwks[0].keys[0]))
    foreign = ECKey.generate_key("P-256", parameters={"kid": "forged"})
    codes = await asyncio.gather(*(rejected(verifier, sign(foreign)) for _ in range(5)))
    assert codes == ["invalid_token"] * 5
    assert jwks[0].fetches == 2  # one refetch for all five


@pytest.mark.parametrize("field", ["aud", "iss"])
async def test_wrong_audience_or_issuer_is_refused(verifier, jwks, field):
    assert await rejected(verifier, sign(jwks[0].keys[0], **{field: "someone-else"})) == (
        "invalid_token"
    )


async def test_rotation_new_kid_is_fetched_and_old_tokens_keep_working(verifier, jwks):
    store = jwks[0]
    old_token = sign(store.keys[0])
    await verifier.verify(old_token)
    store.keys.append(ECKey.generate_key("P-256", parameters={"kid": "k2"}))
    assert (await verifier.verify(sign(store.keys[1]))).id == "user-1"
    assert (await verifier.verify(old_token)).id == "user-1"


async def test_auth_unreachable_is_503_not_401():
    dead = TokenVerifier(
        jwks_url=f"http://127.0.0.1:{free_port()}/jwks.json", issuer=ISSUER, audience=AUDIENCE
    )
    with pytest.raises(ApiError) as caught:
        await dead.verify("a.b.c")
    assert caught.value.status == 503
    await dead.aclose()
