"""Social's events as remote servers see them: the right activity in the right inboxes,
once per server, and a repeated event id sending nothing again."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from common.db import transaction
from federation.delivery.models import Delivery
from federation.keys.models import ActorKey
from federation.keys.service import KeyStore
from federation.remote.models import RemoteActor
from federation.sweeper import Sweeper
from services.federation.tests.conftest import INTERNAL_TOKEN
from services.federation.tests.remote import PUBLIC, FakeServer, public_pem
from tests.support.polling import eventually

ALICE = "http://fed.test/users/alice"


async def post_events(client, *events: dict[str, Any]) -> None:
    response = await client.post(
        "/internal/federation/events",
        json={"events": list(events)},
        headers={"X-Internal-Token": INTERNAL_TOKEN},
    )
    assert response.status_code == 204, response.text


def event(kind: str, **payload: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "kind": kind, "payload": payload}


def fed_post(**fields: Any) -> dict[str, Any]:
    post_id = str(uuid.uuid4())
    return {
        "id": post_id,
        "kind": "post",
        "author_username": "alice",
        "created_at": "2026-12-06T10:00:00Z",
        "edited_at": None,
        "content_html": "<p>Dunes</p>",
        "text": "Dunes",
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "images": [
            {
                "url": "http://media.test/a.jpg",
                "media_type": "image/jpeg",
                "alt": "Sand at dusk",
                "width": 1080,
                "height": 1350,
                "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
            }
        ],
        "tags": [],
        "mentions": [],
        "in_reply_to": None,
        "post_id": post_id,
    } | fields


async def settled(db, *servers: FakeServer) -> None:
    hosts = [server.host for server in servers]

    async def none_left() -> bool:
        async with transaction(db) as session:
            query = select(Delivery.id).where(Delivery.host.in_(hosts)).limit(1)
            return (await session.scalar(query)) is None

    await eventually(none_left)


async def followers(social, remote) -> tuple[FakeServer, FakeServer, FakeServer]:
    """Alice's followers: two on a server with a shared inbox, one on a server without;
    and a third server whose `mia` follows nobody here."""
    shared, single, other = await remote(), await remote(shared_inbox=False), await remote()
    social.remote_followers["alice"] = [
        shared.add_actor("fay"),
        shared.add_actor("gus"),
        single.add_actor("hal"),
    ]
    other.add_actor("mia")
    return shared, single, other


async def cache_actor(db, server: FakeServer, name: str, *, fetched_at: datetime) -> None:
    """The cache row a fetch of `name`'s actor made at `fetched_at`."""
    async with transaction(db) as session:
        actor = server.actor(name)
        row = RemoteActor(
            actor_uri=actor,
            key_id=server.key_id(name),
            public_key_pem=public_pem(server.keys[name]),
            inbox=f"{actor}/inbox",
            shared_inbox=f"{server.base}/inbox",
            username=name,
            host=server.host,
            fetched_at=fetched_at,
        )
        await session.merge(row)


async def test_a_public_post_reaches_each_server_once_and_the_mentioned(client, db, social, remote):
    shared, single, other = await followers(social, remote)
    post = fed_post(mentions=[{"username": "mia@x", "actor_uri": other.actor("mia")}])
    social.objects[post["id"]] = post
    created = event("post.created", post_id=post["id"], author_username="alice")
    await post_events(client, created)
    # The same event again (social's relay retrying): nothing more is sent.
    await post_events(client, created)
    [to_shared] = await shared.wait_for("Create")
    [to_single] = await single.wait_for("Create")
    [to_mentioned] = await other.wait_for("Create")
    await settled(db, shared, single, other)
    assert to_shared.path == "/inbox"
    assert to_single.path == "/users/hal/inbox"
    assert to_mentioned.path == "/users/mia/inbox"
    note = to_shared.activity["object"]
    assert note["id"] == f"{ALICE}/statuses/{post['id']}"
    assert note["to"] == [PUBLIC]
    assert note["attachment"][0]["name"] == "Sand at dusk"
    assert len(shared.received) == len(single.received) == len(other.received) == 1


async def test_a_followers_only_post_reaches_followers_only(client, db, social, remote):
    shared, single, other = await followers(social, remote)
    post = fed_post(
        visibility="followers", mentions=[{"username": "mia@x", "actor_uri": other.actor("mia")}]
    )
    social.objects[post["id"]] = post
    await post_events(client, event("post.created", post_id=post["id"], author_username="alice"))
    [received] = await shared.wait_for("Create")
    await single.wait_for("Create")
    await settled(db, shared, single, other)
    assert received.activity["object"]["to"] == [f"{ALICE}/followers"]
    assert PUBLIC not in received.activity["object"]["cc"]
    assert other.received == []


async def test_edits_deletions_and_replies(client, db, social, remote):
    shared, _, other = await followers(social, remote)
    post = fed_post()
    social.objects[post["id"]] = post | {"edited_at": "2026-12-06T11:00:00Z", "text": "Dunes!"}
    parent = f"{other.base}/notes/1"
    other.documents["/notes/1"] = {"id": parent, "type": "Note", "attributedTo": other.actor("mia")}
    reply = fed_post(kind="comment", in_reply_to=parent, images=[])
    social.objects[reply["id"]] = reply
    await post_events(
        client,
        event("post.updated", post_id=post["id"], author_username="alice"),
        event("post.deleted", post_id=post["id"], author_username="alice", visibility="public"),
        event("comment.created", comment_id=reply["id"], author_username="alice"),
        event(
            "comment.deleted",
            comment_id=reply["id"],
            author_username="alice",
            post_author_actor_uri=other.actor("mia"),
        ),
    )
    [update] = await shared.wait_for("Update")
    assert update.activity["object"]["updated"] == "2026-12-06T11:00:00Z"
    deletes = await shared.wait_for("Delete", count=2)
    assert {d.activity["object"]["id"] for d in deletes} == {
        f"{ALICE}/statuses/{post['id']}",
        f"{ALICE}/statuses/{reply['id']}",
    }
    # The parent's author hears of the reply and of its deletion.
    [created] = await other.wait_for("Create")
    assert created.activity["object"]["inReplyTo"] == parent
    [deleted] = await other.wait_for("Delete")
    assert deleted.activity["object"]["id"] == f"{ALICE}/statuses/{reply['id']}"


async def test_likes_follows_profile_and_account(client, db, social, remote, settings):
    shared, single, other = await followers(social, remote)
    mia = other.actor("mia")
    like = {"username": "alice", "post_id": str(uuid.uuid4())}
    like |= {"post_uri": f"{other.base}/notes/2", "post_author_actor_uri": mia}
    await post_events(client, event("like.created", **like), event("like.deleted", **like))
    [liked] = await other.wait_for("Like")
    [undone] = await other.wait_for("Undo")
    assert liked.activity["object"] == like["post_uri"]
    assert undone.activity["object"]["id"] == liked.activity["id"]

    await post_events(client, event("follow.requested", username="alice", actor_uri=mia))
    [follow] = await other.wait_for("Follow")
    assert follow.activity["object"] == mia
    await post_events(client, event("follow.undone", username="alice", actor_uri=mia))
    undos = await other.wait_for("Undo", count=2)
    assert undos[1].activity["object"]["id"] == follow.activity["id"]

    await post_events(client, event("profile.updated", username="alice"))
    [profile] = await shared.wait_for("Update")
    assert profile.activity["object"]["type"] == "Person"
    await single.wait_for("Update")

    followers_now = social.remote_followers["alice"]
    await post_events(
        client, event("account.deleted", username="alice", remote_follower_actor_uris=followers_now)
    )
    [gone] = await shared.wait_for("Delete")
    assert gone.activity["object"] == ALICE
    await single.wait_for("Delete")
    await settled(db, shared, single, other)
    assert len(shared.of_type("Delete")) == 1
    # Its key signed the farewell and is kept, retired, while a delivery of it may wait
    # (other tests leave some for dead servers here); once none does, the sweeper drops it.
    key = await key_of(db, "alice")
    assert key is not None and key.retired_at is not None
    async with transaction(db) as session:
        await session.execute(delete(Delivery).where(Delivery.signer == "alice"))
    await Sweeper(db, settings=settings).step()
    assert await key_of(db, "alice") is None


async def test_an_account_nobody_follows_leaves_no_key(client, db, settings):
    async with transaction(db) as session:
        await KeyStore(settings.encryption_key).key(session, "bob")
    await post_events(
        client, event("account.deleted", username="bob", remote_follower_actor_uris=[])
    )
    assert await key_of(db, "bob") is None


async def test_a_key_retired_on_another_replica_is_soon_forgotten_here(db, settings, monkeypatch):
    monkeypatch.setattr("federation.keys.service.CACHE_SECONDS", 0.2)
    here, there = KeyStore(settings.encryption_key), KeyStore(settings.encryption_key)
    async with transaction(db) as session:
        old = (await here.key(session, "carol")).public_key_pem
    async with transaction(db) as session:
        await there.retire(session, "carol", signs_pending=False)

    async def new_key() -> bool:
        # A new "carol" (the name free again) signs with her own key, not the deleted one's.
        async with transaction(db) as session:
            return (await here.key(session, "carol")).public_key_pem != old

    await eventually(new_key)


async def key_of(db, owner: str) -> ActorKey | None:
    async with transaction(db) as session:
        return await session.get(ActorKey, owner)


async def test_stale_followers_cost_the_event_no_fetch(client, db, social, remote, settings):
    # Followers cached long ago: three on a server that no longer answers, one on a live one.
    dead, live = await remote(hang=True), await remote()
    social.remote_followers["alice"] = [
        *(dead.add_actor(name) for name in ("kim", "lee", "max")),
        live.add_actor("ned"),
    ]
    stale = datetime.now(UTC) - timedelta(seconds=settings.actor_cache_seconds + 60)
    for server, name in ((dead, "kim"), (dead, "lee"), (dead, "max"), (live, "ned")):
        await cache_actor(db, server, name, fetched_at=stale)
    post = fed_post()
    social.objects[post["id"]] = post
    # Answered well within one fetch's timeout: no remote server is asked in the request.
    async with asyncio.timeout(settings.fetch_timeout_seconds / 2):
        await post_events(
            client, event("post.created", post_id=post["id"], author_username="alice")
        )
    # Queued to the cached inboxes; the live follower's actor is fetched again afterwards.
    await live.wait_for("Create")
    await dead.wait_for("Create")

    async def refreshed() -> bool:
        async with transaction(db) as session:
            row = await session.get(RemoteActor, live.actor("ned"))
            return row is not None and row.fetched_at > stale + timedelta(seconds=60)

    await eventually(refreshed)
    assert live.actor_fetches["ned"] == 1
