"""Token verification against a real JWKS endpoint: what is accepted and what never is."""

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator

import pytest
from joserfc.jwk import ECKey

from common.errors import ApiError, Unauthorized
from common.ids import new_id
from common.tokens import TokenVerifier
from stack.processes import free_port
from tests.support.token_issuer import AUDIENCE, ISSUER, TokenIssuer


@pytest.fixture
async def issuer() -> AsyncIterator[TokenIssuer]:
    issuer = TokenIssuer()
    await issuer.start()
    yield issuer
    await issuer.stop()


@pytest.fixture
async def verifier(issuer) -> AsyncIterator[TokenVerifier]:
    verifier = TokenVerifier(jwks_url=issuer.jwks_url, issuer=ISSUER, audience=AUDIENCE)
    yield verifier
    await verifier.aclose()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def rejected(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(Unauthorized) as caught:
        await verifier.verify(token)
    assert caught.value.status == 401
    return caught.value.code


async def test_a_valid_token_names_the_user(verifier, issuer):
    user_id = new_id()
    principal = await verifier.verify(issuer.token(str(user_id), "alice"))
    assert (principal.id, principal.username) == (user_id, "alice")


async def test_a_subject_that_is_no_user_id_is_an_invalid_token(verifier, issuer):
    with pytest.raises(Unauthorized) as refused:
        await verifier.verify(issuer.token("user-1"))
    assert refused.value.code == "invalid_token"


async def test_the_jwks_is_cached(verifier, issuer):
    for _ in range(5):
        await verifier.verify(issuer.token())
    assert issuer.jwks_fetches == 1


async def test_expired_tokens_are_refused(verifier, issuer):
    token = issuer.token(exp=int(time.time()) - 60)
    assert await rejected(verifier, token) == "token_expired"


async def test_alg_none_is_refused(verifier, issuer):
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    token = f"{header}.{b64(json.dumps(issuer.claims()).encode())}."
    assert await rejected(verifier, token) == "invalid_token"


async def test_hs256_signed_with_the_public_key_is_refused(verifier, issuer):
    key = issuer.keys[0]
    signing_input = ".".join(
        [
            b64(json.dumps({"alg": "HS256", "kid": key.kid}).encode()),
            b64(json.dumps(issuer.claims()).encode()),
        ]
    )
    mac = hmac.new(key.as_pem(private=False), signing_input.encode(), hashlib.sha256).digest()
    assert await rejected(verifier, f"{signing_input}.{b64(mac)}") == "invalid_token"


async def test_a_foreign_key_is_refused_even_with_a_known_kid(verifier, issuer):
    foreign = ECKey.generate_key("P-256", parameters={"kid": issuer.keys[0].kid})
    assert await rejected(verifier, issuer.token(key=foreign)) == "invalid_token"


async def test_forged_kids_share_one_refetch(verifier, issuer):
    await verifier.verify(issuer.token())
    forged = ECKey.generate_key("P-256", parameters={"kid": "forged"})
    codes = await asyncio.gather(*(rejected(verifier, issuer.token(key=forged)) for _ in range(5)))
    assert codes == ["invalid_token"] * 5
    assert issuer.jwks_fetches == 2  # one refetch for all five


@pytest.mark.parametrize("field", ["aud", "iss"])
async def test_wrong_audience_or_issuer_is_refused(verifier, issuer, field):
    token = issuer.token(**{field: "someone-else"})
    assert await rejected(verifier, token) == "invalid_token"


async def test_rotation_new_kid_is_fetched_and_old_tokens_keep_working(verifier, issuer):
    user_id = new_id()
    old_token = issuer.token(str(user_id))
    await verifier.verify(old_token)
    issuer.rotate()
    assert (await verifier.verify(issuer.token(str(user_id)))).id == user_id
    assert (await verifier.verify(old_token)).id == user_id


async def test_auth_unreachable_is_503_not_401():
    dead = TokenVerifier(
        jwks_url=f"http://127.0.0.1:{free_port()}/jwks.json", issuer=ISSUER, audience=AUDIENCE
    )
    with pytest.raises(ApiError) as caught:
        await dead.verify("a.b.c")
    assert caught.value.status == 503
    await dead.aclose()
