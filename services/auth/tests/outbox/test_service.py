import asyncio

from auth.outbox.service import publish_pending
from tests.support.polling import eventually


async def _events_for(redis, stream: str, user_id: str) -> list[dict]:
    entries = await redis.xrange(stream)
    return [fields for _, fields in entries if fields["user_id"] == user_id]


async def test_registration_and_rename_reach_the_users_stream(client, make_user, bearer, auth_app):
    account = await make_user()
    user_id = account["user"]["id"]
    renamed = f"{account['user']['username'][:20]}_new"
    response = await client.put(
        "/users/me/profile",
        json={"birthday": "2000-01-01", "gender": "male", "username": renamed},
        headers=bearer(account),
    )
    assert response.status_code == 200
    redis, stream = auth_app.state.redis, auth_app.state.settings.users_stream

    async def both() -> list[dict]:
        events = await _events_for(redis, stream, user_id)
        return events if len(events) >= 2 else []

    events = await eventually(both)
    assert [e["type"] for e in events] == ["user.registered", "user.renamed"]
    assert events[1]["username"] == renamed
    assert {"type", "user_id", "username", "occurred_at"} <= set(events[0])


async def test_concurrent_relays_send_each_event_once(make_user, auth_app):
    state = auth_app.state
    stream = state.settings.users_stream
    user_id = (await make_user())["user"]["id"]
    # The app's own relay runs as well: three relays race for one pending event.
    relays = (
        publish_pending(sessionmaker=state.sessionmaker, redis=state.redis, stream=stream)
        for _ in range(2)
    )
    await asyncio.gather(*relays)
    await eventually(lambda: _events_for(state.redis, stream, user_id))
    # Whoever sent it marked it published: another full pass sends nothing more.
    await publish_pending(sessionmaker=state.sessionmaker, redis=state.redis, stream=stream)
    assert len(await _events_for(state.redis, stream, user_id)) == 1
