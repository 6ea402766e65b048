"""What the inbox loop makes of each activity: the calls social and media get (their
stand-in records them) and the answers remote servers get."""

import uuid
from typing import Any

from sqlalchemy import select

from common.db import transaction
from federation.delivery.models import Delivery
from federation.inbox.models import InboundActivity
from services.federation.tests.events.test_service import event, post_events
from services.federation.tests.remote import PUBLIC, FakeServer
from tests.support.polling import eventually

ALICE = "http://fed.test/users/alice"
BOB = "http://fed.test/users/bob"


def activity(server: FakeServer, name: str, kind: str, obj: Any, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{server.base}/activities/{uuid.uuid4()}",
        "type": kind,
        "actor": server.actor(name),
        "object": obj,
    } | extra


def note(server: FakeServer, name: str, number: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"{server.base}/notes/{number}",
        "type": "Note",
        "attributedTo": server.actor(name),
        "content": "<p>Hello <b>there</b></p>",
        "published": "2026-12-06T10:00:00Z",
        "to": [PUBLIC],
        "cc": [],
        "attachment": [
            {
                "type": "Image",
                "mediaType": "image/jpeg",
                "url": f"{server.base}/1.jpg",
                "name": "One",
            },
            {
                "type": "Document",
                "mediaType": "image/png",
                "url": f"{server.base}/2.png",
                "name": "Two",
            },
            {"type": "Document", "mediaType": "video/mp4", "url": f"{server.base}/3.mp4"},
        ],
    } | fields


async def send(client, server: FakeServer, name: str, sent: dict[str, Any]) -> None:
    assert (await server.deliver(client, sent, name=name)).status_code == 202


async def called(social, method: str, path: str, **data: Any) -> list[Any]:
    async def found() -> list[Any]:
        return social.called(method, f"/internal/federation/{path}", **data)

    return await eventually(found)


async def processed(db, sent: dict[str, Any]) -> None:
    async def done() -> bool:
        async with transaction(db) as session:
            query = select(InboundActivity.processed_at).where(
                InboundActivity.activity_uri == sent["id"]
            )
            return (await session.scalar(query)) is not None

    await eventually(done)


async def test_a_follow_of_a_public_user_is_accepted(client, social, remote):
    server = await remote()
    carol = server.add_actor("carol")
    follow = activity(server, "carol", "Follow", ALICE)
    await send(client, server, "carol", follow)
    await called(social, "POST", "follows", actor_uri=carol, username="alice")
    [profile] = await called(social, "PUT", "remote-accounts", actor_uri=carol)
    assert profile.data["username"] == f"carol@{server.host}"
    [accept] = await server.wait_for("Accept")
    assert accept.activity["actor"] == ALICE
    assert accept.activity["object"]["id"] == follow["id"]


async def test_a_follow_of_a_private_user_waits_for_approval(client, db, social, remote):
    server = await remote()
    carol = server.add_actor("carol")
    follow = activity(server, "carol", "Follow", BOB)
    await send(client, server, "carol", follow)
    await called(social, "POST", "follows", actor_uri=carol, username="bob")
    await processed(db, follow)
    async with transaction(db) as session:
        queued = await session.scalar(select(Delivery.id).where(Delivery.host == server.host))
    assert queued is None and server.received == []
    # Bob approves it in social, which tells federation.
    await post_events(client, event("follow.approved", username="bob", actor_uri=carol))
    [accept] = await server.wait_for("Accept")
    assert accept.activity["actor"] == BOB
    assert accept.activity["object"]["id"] == follow["id"]


async def test_a_note_with_images_goes_through_media_then_social(client, social, remote):
    server = await remote()
    carol = server.add_actor("carol")
    posted = note(server, "carol", 1, sensitive=True, summary="Spoilers")
    await send(client, server, "carol", activity(server, "carol", "Create", posted))
    [stored] = await called(social, "PUT", "remote-objects", uri=posted["id"])
    fetched = [c.data["url"] for c in social.calls if c.path == "/internal/remote-media"]
    assert f"{server.base}/1.jpg" in fetched and f"{server.base}/2.png" in fetched
    assert f"{server.base}/3.mp4" not in fetched
    assert stored.data["actor_uri"] == carol
    assert stored.data["text"] == "Hello there"
    assert (stored.data["sensitive"], stored.data["spoiler_text"]) == (True, "Spoilers")
    assert [(i["alt"], i["width"], i["height"], i["blurhash"]) for i in stored.data["images"]] == [
        ("One", 640, 480, "LEHV6nWB2yk8pyo0adR*.7kCMdnj"),
        ("Two", 640, 480, "LEHV6nWB2yk8pyo0adR*.7kCMdnj"),
    ]

    edited = posted | {"content": "<p>Edited</p>", "updated": "2026-12-06T11:00:00Z"}
    await send(client, server, "carol", activity(server, "carol", "Update", edited))
    await called(social, "PUT", "remote-objects", uri=posted["id"], text="Edited")
    await send(client, server, "carol", activity(server, "carol", "Delete", posted["id"]))
    await called(social, "DELETE", "remote-objects", uri=posted["id"])


async def test_likes_and_undos(client, social, remote):
    server = await remote()
    carol = server.add_actor("carol")
    post_id = str(uuid.uuid4())
    like = activity(server, "carol", "Like", f"{ALICE}/statuses/{post_id}")
    await send(client, server, "carol", like)
    await called(social, "PUT", "likes", actor_uri=carol, object_id=post_id)
    await send(client, server, "carol", activity(server, "carol", "Undo", like))
    await called(social, "DELETE", "likes", actor_uri=carol, object_id=post_id)

    follow = activity(server, "carol", "Follow", ALICE)
    await send(client, server, "carol", follow)
    await server.wait_for("Accept")
    await send(client, server, "carol", activity(server, "carol", "Undo", follow))
    await called(social, "DELETE", "follows", actor_uri=carol, username="alice")


async def test_a_deleted_actor_leaves(client, social, remote):
    server = await remote()
    carol = server.add_actor("carol")
    await send(client, server, "carol", activity(server, "carol", "Delete", carol))
    await called(social, "DELETE", "remote-accounts", actor_uri=carol)


async def test_an_announce_keeps_the_note_as_its_authors(client, social, remote):
    booster, origin = await remote(), await remote()
    booster.add_actor("carol")
    dave = origin.add_actor("dave")
    boosted = note(origin, "dave", 7)
    origin.documents["/notes/7"] = boosted
    await send(client, booster, "carol", activity(booster, "carol", "Announce", boosted["id"]))
    [stored] = await called(social, "PUT", "remote-objects", uri=boosted["id"])
    assert stored.data["actor_uri"] == dave


async def test_blocking_someone_elsewhere_ends_both_follows_there(client, social, remote):
    server = await remote()
    dana = server.add_actor("dana")
    # Dana follows alice, and alice follows dana.
    theirs = activity(server, "dana", "Follow", ALICE)
    await send(client, server, "dana", theirs)
    await server.wait_for("Accept")
    await post_events(client, event("follow.requested", username="alice", actor_uri=dana))
    [ours] = await server.wait_for("Follow")

    await post_events(client, event("block.created", username="alice", actor_uri=dana))
    [rejected] = await server.wait_for("Reject")
    assert rejected.activity["object"]["id"] == theirs["id"]
    [undone] = await server.wait_for("Undo")
    assert undone.activity["object"]["id"] == ours.activity["id"]
    [block] = await server.wait_for("Block")
    assert (block.activity["actor"], block.activity["object"]) == (ALICE, dana)

    await post_events(client, event("block.deleted", username="alice", actor_uri=dana))
    [_, unblock] = await server.wait_for("Undo", count=2)
    assert unblock.activity["object"]["type"] == "Block"
    assert unblock.activity["object"]["object"] == dana


async def test_being_blocked_from_elsewhere_ends_both_follows_here(client, social, remote):
    server = await remote()
    erin = server.add_actor("erin")
    await send(client, server, "erin", activity(server, "erin", "Follow", ALICE))
    await server.wait_for("Accept")
    await post_events(client, event("follow.requested", username="alice", actor_uri=erin))
    await server.wait_for("Follow")

    await send(client, server, "erin", activity(server, "erin", "Block", ALICE))
    await called(social, "DELETE", "follows", actor_uri=erin, username="alice")
    await called(social, "POST", "follow-answers", actor_uri=erin, accepted=False)
