"""DELETE /auth/me: proven by the password or a recent sign-in, every session ended at
once, user.deleted published, and every trace forgotten once each service reports."""

import uuid

from sqlalchemy import text

from tests.support.polling import eventually

SERVICES = ("social", "media", "igscraper")


async def users_stream_entries(auth_app, user_id) -> list[dict]:
    entries = await auth_app.state.redis.xrange(auth_app.state.settings.users_stream)
    return [fields for _, fields in entries if fields.get("user_id") == user_id]


async def report_done(auth_app, user_id, service) -> None:
    await auth_app.state.redis.xadd(
        auth_app.state.settings.deletions_stream,
        {"type": "user.deletion_done", "user_id": user_id, "service": service},
    )


async def test_deleting_needs_the_password_and_ends_every_session(
    auth_app, client, make_user, bearer, password
):
    tokens = await make_user()
    user_id, headers = tokens["user"]["id"], bearer(tokens)
    for body in (None, {"password": "not-it-42"}):
        refused = await client.request("DELETE", "/auth/me", json=body, headers=headers)
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "wrong_password")
    not_asked = await client.get("/auth/me/deletion", headers=headers)
    assert (not_asked.status_code, not_asked.json()["error"]["code"]) == (404, "no_deletion")

    deleted = await client.request(
        "DELETE", "/auth/me", json={"password": password}, headers=headers
    )
    assert deleted.status_code == 202, deleted.text
    assert deleted.json() == {"done": False, "services": dict.fromkeys(SERVICES, "pending")}
    refreshed = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401
    assert (await client.get("/auth/me", headers=headers)).status_code == 401
    signed_in = await client.post(
        "/auth/login", json={"username": tokens["user"]["username"], "password": password}
    )
    assert signed_in.status_code == 401
    await eventually(lambda: _has_event(auth_app, user_id, "user.deleted"), timeout=5)


async def _has_event(auth_app, user_id, kind) -> bool:
    return any(e["type"] == kind for e in await users_stream_entries(auth_app, user_id))


async def test_status_follows_the_services_reports_then_everything_is_forgotten(
    auth_app, client, make_user, bearer, password
):
    tokens = await make_user()
    user_id, headers = tokens["user"]["id"], bearer(tokens)
    await client.request("DELETE", "/auth/me", json={"password": password}, headers=headers)
    await eventually(lambda: _has_event(auth_app, user_id, "user.deleted"))

    await report_done(auth_app, user_id, "media")
    await report_done(auth_app, user_id, "media")  # a redelivery changes nothing

    async def media_done():
        body = (await client.get("/auth/me/deletion", headers=headers)).json()
        return body["services"]["media"] == "done" and body

    body = await eventually(media_done)
    assert body == {
        "done": False,
        "services": {"social": "pending", "media": "done", "igscraper": "pending"},
    }
    for service in ("social", "igscraper"):
        await report_done(auth_app, user_id, service)

    async def all_done():
        return (await client.get("/auth/me/deletion", headers=headers)).json()["done"]

    await eventually(all_done)
    body = (await client.get("/auth/me/deletion", headers=headers)).json()
    assert body["services"] == dict.fromkeys(SERVICES, "done")
    # Nothing names the user any more: not the outbox, not the streams, no table.
    assert await users_stream_entries(auth_app, user_id) == []
    reports = await auth_app.state.redis.xrange(auth_app.state.settings.deletions_stream)
    assert [f for _, f in reports if f["user_id"] == user_id] == []
    async with auth_app.state.sessionmaker() as session:
        for query in (
            "SELECT count(*) FROM outbox_event WHERE payload ->> 'user_id' = :id",
            "SELECT count(*) FROM account_deletion WHERE user_id::text = :id",
            'SELECT count(*) FROM "user" WHERE id::text = :id',
            "SELECT count(*) FROM refresh_token WHERE user_id::text = :id",
        ):
            assert await session.scalar(text(query), {"id": user_id}) == 0, query


async def test_an_account_without_a_password_needs_a_recent_sign_in(
    auth_app, client, make_user, bearer
):
    tokens = await make_user()
    user_id = uuid.UUID(tokens["user"]["id"])

    async def set_account(signed_in_minutes_ago: int) -> None:
        async with auth_app.state.sessionmaker() as session, session.begin():
            await session.execute(
                text(
                    'UPDATE "user" SET password_hash = NULL,'
                    " signed_in_at = now() - make_interval(mins => :ago) WHERE id = :id"
                ),
                {"id": user_id, "ago": signed_in_minutes_ago},
            )

    await set_account(11)
    stale = await client.request("DELETE", "/auth/me", headers=bearer(tokens))
    assert (stale.status_code, stale.json()["error"]["code"]) == (403, "recent_sign_in_required")
    await set_account(2)
    assert (await client.request("DELETE", "/auth/me", headers=bearer(tokens))).status_code == 202
