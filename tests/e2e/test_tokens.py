"""Every service checks access tokens itself, from auth's JWKS, and survives a key rotation."""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import uuid

import asyncpg
import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from auth.crypto import SecretBox
from stack.platform import Stack
from tests.e2e.accounts import PASSWORD, register

# One endpoint per service that needs a signed-in caller.
PROTECTED = {"social": "/feed", "media": "/media/quota", "igscraper": "/api/ig/analyses"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def kid_of(token: str) -> str:
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def unsigned(header: dict, claims: dict) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"


@pytest.fixture(scope="module")
async def user(platform: Stack) -> dict:
    async with httpx.AsyncClient(base_url=platform.gateway_url) as client:
        return await register(client, prefix="tok")


async def active_signing_key(platform: Stack) -> ECKey:
    """auth's current private key, from its database, as an attacker with a stolen dump
    and the key would have it: used only to craft tokens that differ in one claim."""
    url = platform.database_url("auth").replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT kid, private_key_encrypted FROM signing_key WHERE retired_at IS NULL"
        )
    finally:
        await conn.close()
    pem = SecretBox(platform.secrets()["AUTH_ENCRYPTION_KEY"]).decrypt(row["private_key_encrypted"])
    return ECKey.import_key(pem, parameters={"kid": row["kid"]})


def claims_of(user: dict, **overrides: object) -> dict:
    now = int(time.time())
    return {
        "iss": "photo-platform",
        "aud": "photo-platform",
        "sub": user["user"]["id"],
        "username": user["user"]["username"],
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
    } | overrides


async def bad_tokens(platform: Stack, user: dict) -> dict[str, str | None]:
    key = await active_signing_key(platform)
    header = {"alg": "ES256", "kid": key.kid}
    foreign = ECKey.generate_key("P-256", parameters={"kid": key.kid})
    hs_input = unsigned({"alg": "HS256", "kid": key.kid}, claims_of(user))
    public_pem = key.as_pem(private=False)
    return {
        "no token": None,
        "expired": jwt.encode(header, claims_of(user, exp=int(time.time()) - 60), key),
        "alg none": unsigned({"alg": "none"}, claims_of(user)) + ".",
        "HS256 with the public key": hs_input
        + "."
        + b64(hmac.new(public_pem, hs_input.encode(), hashlib.sha256).digest()),
        "foreign key": jwt.encode(header, claims_of(user), foreign),
        "wrong audience": jwt.encode(header, claims_of(user, aud="another-app"), key),
        "wrong issuer": jwt.encode(header, claims_of(user, iss="https://evil.example"), key),
    }


async def test_every_service_refuses_bad_tokens(platform: Stack, gateway, user):
    tokens = await bad_tokens(platform, user)
    for service, path in PROTECTED.items():
        good = await gateway.get(path, headers={"Authorization": f"Bearer {user['access_token']}"})
        assert good.status_code == 200, (service, good.text)
        for case, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            # Straight to the service too: a request that bypasses the gateway is checked.
            for base in (platform.gateway_url, platform.url(service)):
                async with httpx.AsyncClient(base_url=base) as client:
                    response = await client.get(path, headers=headers)
                assert response.status_code == 401, (service, case, base, response.text)
                assert response.json()["error"]["code"] in (
                    "unauthorized",
                    "invalid_token",
                    "token_expired",
                ), (service, case)


async def test_tokens_of_the_previous_key_still_work_after_a_rotation(platform: Stack, gateway):
    async with httpx.AsyncClient(base_url=platform.gateway_url) as client:
        registered = await register(client, prefix="rot")
        name, old_token = registered["user"]["username"], registered["access_token"]
        for path in PROTECTED.values():  # every service caches the current JWKS
            assert (
                await client.get(path, headers={"Authorization": f"Bearer {old_token}"})
            ).status_code == 200

        env = {**os.environ, **platform.environment()}
        # What an operator runs: `uv run python -m auth.keys rotate`.
        rotation = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "auth.keys", "rotate", env=env, stderr=asyncio.subprocess.PIPE
        )
        _, stderr = await rotation.communicate()
        assert rotation.returncode == 0, stderr

        login = await client.post("/auth/login", json={"username": name, "password": PASSWORD})
        new_token = login.json()["access_token"]
        assert kid_of(new_token) != kid_of(old_token)
        for service, path in PROTECTED.items():
            for token in (old_token, new_token):
                response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 200, (service, response.text)
