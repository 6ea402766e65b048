"""What federation writes through /internal/federation/: remote follows, posts, replies,
likes, edits and deletions land as local ones do (counters, feeds, notifications)."""

import uuid

from sqlalchemy import select

from social.models import FederationEvent, Profile
from tests.support.polling import eventually

PUBLIC_URL = "http://gateway.test"


async def kinds(fed, who) -> list[str]:
    page = await fed.get("/notifications", headers=who.headers)
    assert page.status_code == 200, page.text
    return [item["kind"] for item in page.json()["items"]]


async def test_internal_routes_need_the_internal_token(fed):
    refused = await fed.get("/internal/federation/users/anyone")
    assert refused.status_code == 401


async def test_a_remote_follow_of_a_public_user_is_a_follow_at_once(fed, internal, local, remote):
    me, them = await local(), await remote()
    body = {"actor_uri": them.actor_uri, "username": me.username}
    followed = await fed.post("/internal/federation/follows", json=body, headers=internal)
    assert followed.status_code == 200 and followed.json() == {"state": "accepted"}

    profile = (await fed.get(f"/users/{me.id}", headers=me.headers)).json()
    assert profile["followers_count"] == 1
    assert await kinds(fed, me) == ["follow"]
    path = f"/internal/federation/users/{me.username}/remote-followers"
    assert (await fed.get(path, headers=internal)).json() == {"actor_uris": [them.actor_uri]}
    people = await fed.get(f"/internal/federation/users/{me.username}/followers", headers=internal)
    assert people.json()["items"] == [{"actor_uri": them.actor_uri, "username": them.username}]
    assert people.json()["total"] == 1

    undo = {"actor_uri": them.actor_uri, "username": me.username}
    assert (
        await fed.delete("/internal/federation/follows", params=undo, headers=internal)
    ).status_code == 204
    profile = (await fed.get(f"/users/{me.id}", headers=me.headers)).json()
    assert profile["followers_count"] == 0


async def test_a_private_user_approves_a_remote_follow_and_federation_hears_of_it(
    fed, internal, local, remote, federation
):
    me, them = await local(private=True), await remote()
    body = {"actor_uri": them.actor_uri, "username": me.username}
    asked = await fed.post("/internal/federation/follows", json=body, headers=internal)
    assert asked.json() == {"state": "pending"}
    assert await kinds(fed, me) == ["follow_request"]

    approve = f"/users/me/follow-requests/{them.id}/approve"
    assert (await fed.post(approve, headers=me.headers)).status_code == 204

    async def accepted() -> bool:
        return bool(
            federation.of("follow.approved", username=me.username, actor_uri=them.actor_uri)
        )

    await eventually(accepted)
    profile = (await fed.get(f"/users/{me.id}", headers=me.headers)).json()
    assert profile["followers_count"] == 1


async def test_a_followed_remote_accounts_album_reaches_the_feed_changes_and_leaves(
    fed, internal, local, remote, remote_media, federation
):
    me, them = await local(), await remote()
    asked = await fed.post(f"/users/{them.id}/follow", headers=me.headers)
    assert asked.status_code == 202  # a remote account's server answers

    async def requested() -> bool:
        return bool(federation.of("follow.requested", username=me.username))

    await eventually(requested)
    answer = {"username": me.username, "actor_uri": them.actor_uri, "accepted": True}
    assert (
        await fed.post("/internal/federation/follow-answers", json=answer, headers=internal)
    ).status_code == 204
    assert await kinds(fed, me) == ["follow_approved"]

    images = [
        await remote_media(them, "teal", "A teal square"),
        await remote_media(them, "plum", "A plum one"),
    ]
    note = {
        "uri": f"{them.actor_uri}/statuses/1",
        "actor_uri": them.actor_uri,
        "text": "Two colours #squares",
        "published": "2026-12-01T10:00:00Z",
        "url": f"https://remote.example/p/{them.username}/1",
        "images": images,
    }
    stored = await fed.put("/internal/federation/remote-objects", json=note, headers=internal)
    assert stored.status_code == 200, stored.text
    assert stored.json()["kind"] == "post"
    post_id = stored.json()["id"]

    feed = (await fed.get("/feed", headers=me.headers)).json()["items"]
    assert [post["id"] for post in feed] == [post_id]
    (post,) = feed
    assert post["author"]["username"] == them.username
    assert [image["alt"] for image in post["images"]] == ["A teal square", "A plum one"]
    assert post["tags"] == ["squares"]
    assert post["edited_at"] is None

    again = await fed.put("/internal/federation/remote-objects", json=note, headers=internal)
    assert again.json() == stored.json()  # a Create delivered twice is one post
    edited = {**note, "text": "Two colours, edited", "updated": "2026-12-01T11:00:00Z"}
    assert (
        await fed.put("/internal/federation/remote-objects", json=edited, headers=internal)
    ).status_code == 200
    shown = (await fed.get(f"/posts/{post_id}", headers=me.headers)).json()
    assert shown["caption"] == "Two colours, edited" and shown["edited_at"] is not None

    gone = await fed.delete(
        "/internal/federation/remote-objects", params={"uri": note["uri"]}, headers=internal
    )
    assert gone.status_code == 204
    assert (await fed.get(f"/posts/{post_id}", headers=me.headers)).status_code == 404
    assert (await fed.get("/feed", headers=me.headers)).json()["items"] == []
    again_gone = await fed.delete(
        "/internal/federation/remote-objects", params={"uri": note["uri"]}, headers=internal
    )
    assert again_gone.status_code == 404


async def test_a_text_only_note_that_answers_nothing_is_refused(fed, internal, remote):
    them = await remote()
    note = {"uri": f"{them.actor_uri}/statuses/t", "actor_uri": them.actor_uri, "text": "Hi",
            "published": "2026-12-01T10:00:00Z"}  # fmt: skip
    refused = await fed.put("/internal/federation/remote-objects", json=note, headers=internal)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "no_images"


async def test_a_remote_reply_is_a_comment_and_a_remote_like_a_like(
    fed, internal, local, remote, post_by_fed
):
    me, them = await local(), await remote()
    post_id = await post_by_fed(me)
    reply = {
        "uri": f"{them.actor_uri}/statuses/r1",
        "actor_uri": them.actor_uri,
        "text": "Lovely light",
        "published": "2026-12-01T10:00:00Z",
        "in_reply_to": f"{PUBLIC_URL}/users/{me.username}/statuses/{post_id}",
    }
    stored = await fed.put("/internal/federation/remote-objects", json=reply, headers=internal)
    assert stored.status_code == 200, stored.text
    assert stored.json()["kind"] == "comment"
    comments = (await fed.get(f"/posts/{post_id}/comments", headers=me.headers)).json()["items"]
    assert [(c["content"], c["author"]["username"]) for c in comments] == [
        ("Lovely light", them.username)
    ]

    like = {"actor_uri": them.actor_uri, "object_id": str(post_id)}
    assert (
        await fed.put("/internal/federation/likes", json=like, headers=internal)
    ).status_code == 204
    assert sorted(await kinds(fed, me)) == ["comment", "like"]
    assert (await fed.get(f"/posts/{post_id}", headers=me.headers)).json()["like_count"] == 1
    unlike = await fed.delete("/internal/federation/likes", params=like, headers=internal)
    assert unlike.status_code == 204
    assert (await fed.get(f"/posts/{post_id}", headers=me.headers)).json()["like_count"] == 0

    gone = await fed.delete(
        "/internal/federation/remote-objects", params={"uri": reply["uri"]}, headers=internal
    )
    assert gone.status_code == 204
    shown = (await fed.get(f"/posts/{post_id}", headers=me.headers)).json()
    assert shown["comment_count"] == 0


async def test_a_muted_remote_account_is_left_out_of_feed_and_notifications(
    fed, internal, local, remote, remote_media
):
    me, them = await local(), await remote()
    await fed.post(f"/users/{them.id}/follow", headers=me.headers)
    answer = {"username": me.username, "actor_uri": them.actor_uri, "accepted": True}
    await fed.post("/internal/federation/follow-answers", json=answer, headers=internal)
    image = await remote_media(them, "navy")
    note = {"uri": f"{them.actor_uri}/statuses/m", "actor_uri": them.actor_uri,
            "published": "2026-12-01T10:00:00Z", "images": [image]}  # fmt: skip
    assert (
        await fed.put("/internal/federation/remote-objects", json=note, headers=internal)
    ).status_code == 200
    assert len((await fed.get("/feed", headers=me.headers)).json()["items"]) == 1
    assert (await fed.post(f"/users/{them.id}/mute", headers=me.headers)).status_code in (200, 204)
    assert (await fed.get("/feed", headers=me.headers)).json()["items"] == []


async def test_a_deleted_remote_account_takes_everything_it_made_along(
    fed, fed_app, internal, local, remote, post_by_fed
):
    me, them = await local(), await remote()
    post_id = await post_by_fed(me)
    follow = {"actor_uri": them.actor_uri, "username": me.username}
    await fed.post("/internal/federation/follows", json=follow, headers=internal)
    reply = {"uri": f"{them.actor_uri}/statuses/d1", "actor_uri": them.actor_uri, "text": "Bye",
             "published": "2026-12-01T10:00:00Z",
             "in_reply_to": f"{PUBLIC_URL}/users/{me.username}/statuses/{post_id}"}  # fmt: skip
    await fed.put("/internal/federation/remote-objects", json=reply, headers=internal)
    like = {"actor_uri": them.actor_uri, "object_id": str(post_id)}
    await fed.put("/internal/federation/likes", json=like, headers=internal)

    gone = await fed.delete(
        "/internal/federation/remote-accounts",
        params={"actor_uri": them.actor_uri},
        headers=internal,
    )
    assert gone.status_code == 204
    async with fed_app.state.sessionmaker() as session:
        assert await session.get(Profile, them.id) is None
    post = (await fed.get(f"/posts/{post_id}", headers=me.headers)).json()
    assert (post["like_count"], post["comment_count"]) == (0, 0)
    profile = (await fed.get(f"/users/{me.id}", headers=me.headers)).json()
    assert profile["followers_count"] == 0
    assert await kinds(fed, me) == []
    again = await fed.delete(
        "/internal/federation/remote-accounts",
        params={"actor_uri": them.actor_uri},
        headers=internal,
    )
    assert again.status_code == 204


async def test_a_local_post_and_user_read_as_federation_writes_them_out(
    fed, internal, local, post_by_fed
):
    me = await local()
    post_id = await post_by_fed(me, caption=f"Hello #world @{me.username}")
    user = (await fed.get(f"/internal/federation/users/{me.username}", headers=internal)).json()
    assert (user["id"], user["is_private"], user["posts_count"]) == (str(me.id), False, 1)
    note = (await fed.get(f"/internal/federation/objects/{post_id}", headers=internal)).json()
    assert note["kind"] == "post" and note["visibility"] == "public"
    assert note["tags"] == ["world"] and note["mentions"] == [
        {"username": me.username, "actor_uri": None}
    ]
    assert 'rel="tag"' in note["content_html"] and note["content_html"].startswith("<p>")
    page = (
        await fed.get(f"/internal/federation/users/{me.username}/posts", headers=internal)
    ).json()
    assert [item["id"] for item in page["items"]] == [str(post_id)]
    stats = (await fed.get("/internal/federation/stats", headers=internal)).json()
    assert stats["users"] >= 1 and stats["posts"] >= 1
    unknown = await fed.get(f"/internal/federation/objects/{uuid.uuid4()}", headers=internal)
    assert unknown.status_code == 404


async def test_no_event_is_written_with_federation_off(app, client, user):
    me = await user()
    await client.patch("/users/me", json={"bio": "quiet"}, headers=me.headers)
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(FederationEvent).where(FederationEvent.payload["username"].astext == me.username)
        )
        assert rows.all() == []
