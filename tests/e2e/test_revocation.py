"""Signing out everywhere and deleting the account end the user's access tokens at every
service within seconds, not when they expire (common.tokens.Revocations)."""

import httpx

from stack.platform import Stack
from tests.e2e.accounts import PASSWORD, bearer, register
from tests.support.polling import eventually

# Seconds within which every service must refuse a revoked token.
WITHIN = 5.0


async def answers(gateway: httpx.AsyncClient, token: str) -> tuple[int, int, int]:
    headers = bearer(token)
    feed = await gateway.get("/feed", headers=headers)
    quota = await gateway.get("/media/quota", headers=headers)
    analyses = await gateway.get("/api/ig/analyses", headers=headers)
    return feed.status_code, quota.status_code, analyses.status_code


async def refused(gateway: httpx.AsyncClient, token: str) -> bool:
    return await answers(gateway, token) == (401, 401, 401)


async def test_sign_out_everywhere_ends_access_tokens_at_every_service(gateway: httpx.AsyncClient):
    account = await register(gateway)
    second = await gateway.post(
        "/auth/login", json={"username": account["user"]["username"], "password": PASSWORD}
    )
    assert second.status_code == 200
    tokens = [account["access_token"], second.json()["access_token"]]
    for token in tokens:
        assert await answers(gateway, token) == (200, 200, 200)

    response = await gateway.post("/auth/logout-all", headers=bearer(tokens[0]))
    assert response.status_code == 204
    for token in tokens:
        await eventually(lambda token=token: refused(gateway, token), timeout=WITHIN)
    me = await gateway.get("/auth/me", headers=bearer(tokens[1]))
    assert me.status_code == 401

    # Signing in again works at once: the new token is not caught by the revocation.
    again = await gateway.post(
        "/auth/login", json={"username": account["user"]["username"], "password": PASSWORD}
    )
    assert again.status_code == 200
    assert await answers(gateway, again.json()["access_token"]) == (200, 200, 200)


async def test_a_deleted_accounts_tokens_die_at_every_service_at_once(
    gateway: httpx.AsyncClient, platform: Stack
):
    account = await register(gateway)
    token = account["access_token"]
    assert await answers(gateway, token) == (200, 200, 200)
    response = await gateway.request(
        "DELETE", "/auth/me", json={"password": PASSWORD}, headers=bearer(token)
    )
    assert response.status_code == 202, response.text
    await eventually(lambda: refused(gateway, token), timeout=WITHIN)
    # The deletion's progress still answers to that token.
    status = await gateway.get("/auth/me/deletion", headers=bearer(token))
    assert status.status_code == 200


async def test_a_service_started_after_a_revocation_refuses_the_token(
    gateway: httpx.AsyncClient, platform: Stack
):
    """A restarted service reads the revocations from Redis before its first request."""
    account = await register(gateway)
    token = account["access_token"]
    assert await answers(gateway, token) == (200, 200, 200)
    assert (await gateway.post("/auth/logout-all", headers=bearer(token))).status_code == 204
    await eventually(lambda: refused(gateway, token), timeout=WITHIN)
    platform.restart("media")
    quota = await gateway.get("/media/quota", headers=bearer(token))
    assert quota.status_code == 401
