"""auth's user events (accounts.consumer) become profiles: once each, in order of time,
never blocked."""

import asyncio
from datetime import UTC, datetime, timedelta

from common.ids import new_id


async def publish(app, user_id, username, kind="user.registered", at=None):
    occurred_at = (at or datetime.now(UTC)).isoformat()
    fields = {"type": kind, "user_id": str(user_id), "username": username}
    await app.state.redis.xadd(
        app.state.settings.users_stream, fields | {"occurred_at": occurred_at}
    )


async def username_becomes(client, user_id, expected, timeout=10.0):
    async with asyncio.timeout(timeout):
        while True:
            response = await client.get(f"/users/{user_id}")
            if response.status_code == 200 and response.json()["username"] == expected:
                return
            await asyncio.sleep(0.05)


async def test_a_registered_user_gets_a_profile_without_any_request(app, client):
    user_id = new_id()
    await publish(app, user_id, "from_the_stream")
    await username_becomes(client, user_id, "from_the_stream")


async def test_renames_apply_and_a_replayed_older_event_changes_nothing(app, client):
    user_id, now = new_id(), datetime.now(UTC)
    await publish(app, user_id, "before", at=now - timedelta(minutes=2))
    await publish(app, user_id, "after", kind="user.renamed", at=now - timedelta(minutes=1))
    await publish(app, user_id, "before", at=now - timedelta(minutes=2))  # redelivered
    marker = new_id()
    await publish(app, marker, "marker")  # handled after the three above
    await username_becomes(client, marker, "marker")
    assert (await client.get(f"/users/{user_id}")).json()["username"] == "after"


async def test_a_malformed_entry_is_acknowledged_and_does_not_block_the_next(app, client):
    stream = app.state.settings.users_stream
    await app.state.redis.xadd(stream, {"type": "user.registered", "user_id": "nonsense"})
    user_id = new_id()
    await publish(app, user_id, "after_garbage")
    await username_becomes(client, user_id, "after_garbage")
    pending = await app.state.redis.xpending(stream, app.state.settings.users_consumer_group)
    assert pending["pending"] == 0  # everything handled was acknowledged
