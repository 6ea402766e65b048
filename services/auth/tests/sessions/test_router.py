import hashlib

import httpx
from redis.asyncio import Redis
from sqlalchemy import select, text

from auth.sessions.models import RefreshToken
from stack.processes import free_port
from tests.support.polling import eventually


async def test_login_takes_json_or_the_oauth2_password_form_and_an_email(
    client, make_user, password
):
    user = (await make_user())["user"]
    by_form = await client.post(
        "/auth/login",
        data={"grant_type": "password", "username": user["username"], "password": password},
    )
    assert by_form.status_code == 200, by_form.text
    by_email = await client.post(
        "/auth/login", json={"username": user["email"].upper(), "password": password}
    )
    assert by_email.status_code == 200
    assert by_email.json()["user"]["id"] == user["id"]


async def test_unknown_user_and_wrong_password_get_the_same_answer(client, make_user, unique):
    user = (await make_user())["user"]
    wrong = await client.post("/auth/login", json={"username": user["username"], "password": "x"})
    unknown = await client.post("/auth/login", json={"username": unique(), "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]


async def test_a_retried_refresh_gets_the_same_successor_pair(client, make_user):
    first = await make_user()
    rotated = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    # The answer was lost (a gateway 504): the client tries again with the same token.
    retried = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert retried.status_code == 200, retried.text
    assert retried.json()["refresh_token"] == rotated.json()["refresh_token"]
    assert retried.json()["access_token"] == rotated.json()["access_token"]
    # The session lives on through that successor.
    second = rotated.json()["refresh_token"]
    assert (await client.post("/auth/refresh", json={"refresh_token": second})).status_code == 200


async def test_a_retry_after_the_successor_was_used_is_refused_without_revoking(client, make_user):
    first = await make_user()
    second = (
        await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()
    third = (
        await client.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    ).json()
    # A second tab still holding the first token, within the grace.
    late = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert late.status_code == 401
    assert late.json()["error"]["code"] == "refresh_token_spent"
    assert (
        await client.post("/auth/refresh", json={"refresh_token": third["refresh_token"]})
    ).status_code == 200


async def test_the_same_token_from_another_client_within_the_grace_revokes(client, make_user):
    first = await make_user()
    second = (
        await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()
    stolen = await client.post(
        "/auth/refresh",
        json={"refresh_token": first["refresh_token"]},
        headers={"User-Agent": "somebody-else/1.0"},
    )
    assert stolen.status_code == 401
    assert stolen.json()["error"]["code"] == "refresh_token_reused"
    after = await client.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401


async def test_reuse_after_the_grace_revokes_the_whole_family(client, make_user, auth_app):
    first = await make_user()
    second = (
        await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()
    async with auth_app.state.sessionmaker() as session, session.begin():
        # As if the copy were replayed a minute later.
        await session.execute(
            text("UPDATE refresh_token SET spent_at = spent_at - interval '1 minute'")
        )
    reused = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "refresh_token_reused"
    after = await client.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401


async def test_the_successor_is_kept_only_sealed(client, make_user, auth_app):
    first = await make_user()
    rotated = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    successor = rotated.json()["refresh_token"].encode()
    async with auth_app.state.sessionmaker() as session:
        sealed = await session.scalar(
            select(RefreshToken.successor_sealed).where(
                RefreshToken.token_hash == hashlib.sha256(first["refresh_token"].encode()).digest()
            )
        )
        in_clear = await session.scalar(
            text("SELECT count(*) FROM refresh_token WHERE position(:raw in successor_sealed) > 0"),
            {"raw": successor},
        )
    assert sealed and in_clear == 0


async def test_the_refresh_cookie_alone_refreshes(client, make_user):
    await make_user()  # sets the cookie in this client's jar
    response = await client.post("/auth/refresh")
    assert response.status_code == 200
    assert (await client.post("/auth/refresh")).status_code == 200  # the rotated cookie


async def test_logout_all_ends_every_session(client, make_user, bearer, password):
    account = await make_user()
    other = await client.post(
        "/auth/login", json={"username": account["user"]["username"], "password": password}
    )
    assert (await client.post("/auth/logout-all", headers=bearer(account))).status_code == 204
    for token in (account["refresh_token"], other.json()["refresh_token"]):
        refused = await client.post("/auth/refresh", json={"refresh_token": token})
        assert refused.status_code == 401


async def test_failed_logins_are_throttled_until_the_window_ends(client, make_user, password):
    username = (await make_user())["user"]["username"]
    for _ in range(3):  # the test limit
        await client.post("/auth/login", json={"username": username, "password": "wrong-1"})
    blocked = await client.post("/auth/login", json={"username": username, "password": password})
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "too_many_attempts"
    assert 1 <= int(blocked.headers["retry-after"]) <= 2

    async def login_allowed() -> httpx.Response | None:
        response = await client.post(
            "/auth/login", json={"username": username, "password": password}
        )
        return None if response.status_code == 429 else response

    ok = await eventually(login_allowed)  # the test window is 2 s
    assert ok.status_code == 200


async def test_login_while_redis_is_down_is_a_503_naming_it(
    client, make_user, auth_app, password, monkeypatch
):
    account = await make_user()
    # The throttle's Redis refuses connections, as a stopped server's port does.
    dead = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setattr(auth_app.state.login_throttle, "redis", dead)
    response = await client.post(
        "/auth/login", json={"username": account["user"]["username"], "password": password}
    )
    await dead.aclose()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "redis_unavailable"
    assert int(response.headers["retry-after"]) > 0
