"""What the inbox refuses, as a remote server sees it: each refusal a JSON error with its
status, and nothing stored. The signers are fake servers with real RSA keys."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from common.db import transaction
from federation.domains import repository as domains
from federation.inbox.models import InboundActivity
from federation.remote.models import RemoteActor
from federation.signatures import sign_headers
from services.federation.tests.remote import FEDERATION, FakeServer, new_key


def ignored_like(server: FakeServer, name: str) -> dict[str, Any]:
    """An activity the inbox takes and the loop then ignores (it likes no post of ours), so
    it makes no request of its own that would blur what the inbox fetched."""
    return {
        "id": f"{server.base}/activities/{uuid.uuid4()}",
        "type": "Like",
        "actor": server.actor(name),
        "object": "http://elsewhere.test/notes/1",
    }


async def stored(db, activity: dict[str, Any]) -> int:
    async with transaction(db) as session:
        query = select(func.count()).where(InboundActivity.activity_uri == activity["id"])
        return int(await session.scalar(query) or 0)


async def assert_refused(response, db, activity, *, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert await stored(db, activity) == 0


async def test_a_signed_activity_is_taken(client, db, remote):
    server = await remote()
    server.add_actor("carol")
    activity = ignored_like(server, "carol")
    response = await server.deliver(client, activity, name="carol")
    assert response.status_code == 202
    assert await stored(db, activity) == 1


async def test_an_actor_without_preferred_username_is_named_by_its_id(client, db, remote):
    # fediverse-pasture's emily and frank, and some servers, publish no preferredUsername.
    server = await remote()
    server.add_actor("emily", without={"preferredUsername"})
    activity = ignored_like(server, "emily")
    assert (await server.deliver(client, activity, name="emily")).status_code == 202
    assert await stored(db, activity) == 1
    async with transaction(db) as session:
        actor = await session.get(RemoteActor, server.actor("emily"))
    assert actor is not None and actor.username == "emily"


async def test_an_actor_without_inbox_or_key_is_401(client, db, remote):
    server = await remote()
    for name, left_out in (("ivy", "inbox"), ("jay", "publicKey")):
        server.add_actor(name, without={left_out})
        activity = ignored_like(server, name)
        response = await server.deliver(client, activity, name=name)
        await assert_refused(response, db, activity, status=401, code="invalid_signature")


async def test_a_signature_by_another_key_is_401(client, db, remote):
    server = await remote()
    server.add_actor("carol")
    activity = ignored_like(server, "carol")
    body, headers = server.sign(activity, name="carol", key=new_key())
    response = await client.post("/inbox", content=body, headers=headers)
    await assert_refused(response, db, activity, status=401, code="invalid_signature")
    assert response.headers["www-authenticate"] == "Signature"


async def test_a_tampered_body_is_401(client, db, remote):
    server = await remote()
    server.add_actor("carol")
    activity = ignored_like(server, "carol")
    _, headers = server.sign(activity, name="carol")
    tampered = json.dumps({**activity, "object": "http://elsewhere.test/notes/2"}).encode()
    response = await client.post("/inbox", content=tampered, headers=headers)
    await assert_refused(response, db, activity, status=401, code="invalid_signature")
    assert "digest" in response.json()["error"]["message"].lower()


async def test_a_tampered_path_is_401(client, db, remote):
    server = await remote()
    server.add_actor("carol")
    activity = ignored_like(server, "carol")
    body, headers = server.sign(activity, name="carol", path="/users/alice/inbox")
    response = await client.post("/inbox", content=body, headers=headers)
    await assert_refused(response, db, activity, status=401, code="invalid_signature")


async def test_a_post_without_digest_is_401(client, db, remote):
    server = await remote()
    server.add_actor("carol")
    activity = ignored_like(server, "carol")
    body = json.dumps(activity).encode()
    # Signed as a GET is, with no Digest: the body could be anything.
    headers = sign_headers(
        "POST",
        f"{FEDERATION}/inbox",
        key_id=server.key_id("carol"),
        private_key=server.keys["carol"],
    )
    assert "Digest" not in headers
    response = await client.post("/inbox", content=body, headers=headers)
    await assert_refused(response, db, activity, status=401, code="invalid_signature")


async def test_a_stale_date_is_401(client, db, remote):
    server = await remote()
    server.add_actor("carol")
    activity = ignored_like(server, "carol")
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    body, headers = server.sign(activity, name="carol", now=two_hours_ago)
    response = await client.post("/inbox", content=body, headers=headers)
    await assert_refused(response, db, activity, status=401, code="invalid_signature")


async def test_an_actor_speaks_only_for_itself(client, db, remote):
    server = await remote()
    server.add_actor("carol")
    server.add_actor("dave")
    # Carol's valid signature on an activity that says dave did it.
    activity = ignored_like(server, "dave")
    body, headers = server.sign(activity, name="carol")
    response = await client.post("/inbox", content=body, headers=headers)
    await assert_refused(response, db, activity, status=401, code="invalid_signature")


async def test_a_rotated_key_is_fetched_again_once(client, db, remote):
    server = await remote()
    server.add_actor("carol")
    assert (
        await server.deliver(client, ignored_like(server, "carol"), name="carol")
    ).status_code == 202
    assert server.actor_fetches["carol"] == 1

    # Carol's server rotates her key: the cached one fails, the fetched one holds.
    server.keys["carol"] = new_key()
    rotated = ignored_like(server, "carol")
    assert (await server.deliver(client, rotated, name="carol")).status_code == 202
    assert server.actor_fetches["carol"] == 2
    assert await stored(db, rotated) == 1
    # Cached again: the next one costs no fetch.
    assert (
        await server.deliver(client, ignored_like(server, "carol"), name="carol")
    ).status_code == 202
    assert server.actor_fetches["carol"] == 2

    # A key carol never published: one fetch to be sure, then 401, and no loop of fetches.
    forged = ignored_like(server, "carol")
    body, headers = server.sign(forged, name="carol", key=new_key())
    response = await client.post("/inbox", content=body, headers=headers)
    await assert_refused(response, db, forged, status=401, code="invalid_signature")
    assert server.actor_fetches["carol"] == 3


async def test_too_large_is_413(client, db, remote):
    server = await remote()
    server.add_actor("carol")
    activity = ignored_like(server, "carol") | {"content": "x" * 300_000}
    body, headers = server.sign(activity, name="carol")
    response = await client.post("/inbox", content=body, headers=headers)
    await assert_refused(response, db, activity, status=413, code="payload_too_large")


async def test_too_deep_is_422(client, db, remote):
    server = await remote()
    server.add_actor("carol")
    nested: Any = "bottom"
    for _ in range(40):
        nested = {"a": nested}
    activity = ignored_like(server, "carol") | {"content": nested}
    body, headers = server.sign(activity, name="carol")
    response = await client.post("/inbox", content=body, headers=headers)
    await assert_refused(response, db, activity, status=422, code="invalid_activity")
    # Refused before the signer's key is fetched: a deep body costs us no request.
    assert server.actor_fetches["carol"] == 0


async def test_a_blocked_domain_is_403(client, db, remote):
    # Another loopback address: a block names a host without its port.
    server = await remote(address="127.0.0.2")
    server.add_actor("carol")
    async with transaction(db) as session:
        await domains.block(session, domain="127.0.0.2")
    try:
        activity = ignored_like(server, "carol")
        response = await server.deliver(client, activity, name="carol")
        await assert_refused(response, db, activity, status=403, code="domain_blocked")
        assert server.actor_fetches["carol"] == 0
    finally:
        async with transaction(db) as session:
            await domains.unblock(session, domain="127.0.0.2")


async def test_each_domain_has_its_own_rate_limit(client, db, remote, settings):
    busy, other = await remote(), await remote()
    busy.add_actor("carol")
    other.add_actor("erin")
    for _ in range(settings.inbox_rate_limit):
        assert (
            await busy.deliver(client, ignored_like(busy, "carol"), name="carol")
        ).status_code == 202
    activity = ignored_like(busy, "carol")
    response = await busy.deliver(client, activity, name="carol")
    await assert_refused(response, db, activity, status=429, code="rate_limited")
    assert int(response.headers["retry-after"]) == settings.inbox_rate_window_seconds
    # Another server is not held back by the busy one.
    assert (
        await other.deliver(client, ignored_like(other, "erin"), name="erin")
    ).status_code == 202


async def test_forged_requests_spend_no_budget_of_the_domain_they_name(
    client, db, remote, settings
):
    server = await remote()
    server.add_actor("carol")
    # Carol's server has delivered before: her key is cached (one fetch).
    assert (
        await server.deliver(client, ignored_like(server, "carol"), name="carol")
    ).status_code == 202
    forger = new_key()
    statuses = []
    # Someone else's requests naming carol's key, signed with their own: each is refused,
    # and only a few cost her server a fetch (the cached key fails, so it is asked again).
    for _ in range(settings.inbox_rate_limit + 1):
        body, headers = server.sign(ignored_like(server, "carol"), name="carol", key=forger)
        statuses.append((await client.post("/inbox", content=body, headers=headers)).status_code)
    fetches = settings.inbox_key_fetch_limit
    assert statuses == [401] * (fetches - 1) + [429] * (len(statuses) - fetches + 1)
    assert server.actor_fetches["carol"] == fetches
    # Carol's own activities still pass: her cached key verifies them, with no fetch.
    activity = ignored_like(server, "carol")
    response = await server.deliver(client, activity, name="carol")
    assert response.status_code == 202, response.text
    assert await stored(db, activity) == 1
    assert server.actor_fetches["carol"] == fetches
