"""Signed-in devices, and the revocations auth publishes for every service's verifier."""

import uuid

from redis.asyncio import Redis

from auth.sessions.revocations import TokenRevoker
from common.tokens import Revocations, user_pseudonym
from tests.support.polling import eventually


async def sign_in(client, email: str, password: str, agent: str) -> dict:
    response = await client.post(
        "/auth/login", json={"username": email, "password": password}, headers={"User-Agent": agent}
    )
    assert response.status_code == 200
    return response.json()


async def test_devices_are_listed_newest_first_and_one_is_signed_out(
    client, make_user, bearer, password
):
    account = await make_user()
    email = account["user"]["email"]
    laptop = await sign_in(client, email, password, "Laptop")
    phone = await sign_in(client, email, password, "Phone")
    listed = await client.get("/auth/sessions", headers=bearer(laptop))
    assert listed.status_code == 200
    devices = listed.json()
    assert [d["user_agent"] for d in devices][:2] == ["Phone", "Laptop"]
    assert [d["current"] for d in devices][:2] == [False, True]
    assert len(devices) == 3  # registration signed in too

    # A refresh keeps the device and moves its last use.
    refreshed = await client.post(
        "/auth/refresh",
        json={"refresh_token": laptop["refresh_token"]},
        headers={"User-Agent": "Laptop"},
    )
    after = {
        d["id"]: d
        for d in (await client.get("/auth/sessions", headers=bearer(refreshed.json()))).json()
    }
    laptop_id = next(d["id"] for d in devices if d["user_agent"] == "Laptop")
    assert after[laptop_id]["current"] is True
    assert after[laptop_id]["last_used_at"] > after[laptop_id]["created_at"]

    phone_id = next(d["id"] for d in devices if d["user_agent"] == "Phone")
    ended = await client.delete(f"/auth/sessions/{phone_id}", headers=bearer(laptop))
    assert ended.status_code == 204

    async def phone_refused() -> bool:
        return (await client.get("/auth/me", headers=bearer(phone))).status_code == 401

    await eventually(phone_refused, timeout=5)
    phone_refresh = await client.post(
        "/auth/refresh", json={"refresh_token": phone["refresh_token"]}
    )
    assert phone_refresh.status_code == 401
    assert phone_id not in {
        d["id"] for d in (await client.get("/auth/sessions", headers=bearer(laptop))).json()
    }


async def test_another_users_session_is_not_found(client, make_user, bearer):
    mine, theirs = await make_user(), await make_user()
    their_sessions = (await client.get("/auth/sessions", headers=bearer(theirs))).json()
    for session_id in (their_sessions[0]["id"], str(uuid.uuid4())):
        response = await client.delete(f"/auth/sessions/{session_id}", headers=bearer(mine))
        assert response.status_code == 404
    assert (await client.get("/auth/me", headers=bearer(theirs))).status_code == 200


async def test_logout_all_publishes_a_not_before_and_the_ended_sessions(
    client, auth_app, make_user, bearer
):
    account = await make_user()
    sid = (await client.get("/auth/sessions", headers=bearer(account))).json()[0]["id"]
    response = await client.post("/auth/logout-all", headers=bearer(account))
    assert response.status_code == 204
    # What a service starting now would read: the hash, not only the stream.
    revocations = Revocations(auth_app.state.redis, auth_app.state.settings.revocations_key)
    await revocations.sync()
    assert user_pseudonym(str(account["user"]["id"])) in revocations.users
    assert sid in revocations.sessions

    async def refused() -> bool:
        me = await client.get("/auth/me", headers=bearer(account))
        return me.status_code == 401 and me.json()["error"]["code"] == "token_revoked"

    # This process learns of it from the stream it follows, within moments.
    await eventually(refused, timeout=5)


async def test_a_revocation_redis_could_not_take_is_published_by_the_relay(
    client, auth_app, make_user, bearer
):
    account = await make_user()
    published_by_requests = auth_app.state.token_revoker
    # The request's own publication, right after its commit, meets a Redis that is down.
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    auth_app.state.token_revoker = TokenRevoker(unreachable, published_by_requests.key)
    try:
        response = await client.post("/auth/logout-all", headers=bearer(account))
        assert response.status_code == 204
    finally:
        auth_app.state.token_revoker = published_by_requests
        await unreachable.aclose()

    async def refused() -> bool:
        me = await client.get("/auth/me", headers=bearer(account))
        return me.status_code == 401 and me.json()["error"]["code"] == "token_revoked"

    # The sign-out was kept in the outbox: the relay publishes it, and it reaches verifiers.
    await eventually(refused, timeout=10)
