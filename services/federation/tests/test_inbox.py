"""The inbox refuses what is not signed, oversized or too deep, before storing anything."""

import json

from cryptography.hazmat.primitives.asymmetric import rsa

from federation.signatures import sign_headers


async def test_unsigned_is_401(client):
    response = await client.post("/inbox", content=b'{"type": "Follow", "actor": "x"}')
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"


async def test_oversized_is_413(client):
    response = await client.post("/inbox", content=b"x" * 300_000)
    assert response.status_code == 413


async def test_an_unreachable_signer_is_401(client):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body = json.dumps({"type": "Follow", "actor": "http://127.0.0.1:9/users/x"}).encode()
    headers = sign_headers(
        "POST",
        "http://fed.test/inbox",
        key_id="http://127.0.0.1:9/users/x#main-key",
        private_key=key,
        body=body,
    )
    response = await client.post("/inbox", content=body, headers=headers)
    assert response.status_code == 401
