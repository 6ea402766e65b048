"""What local users do reaches federation as outbox events: sent right after the commit,
and, while federation is down, kept and retried by the relay until it takes them."""

from sqlalchemy import select

from social.models import FederationEvent
from tests.support.polling import eventually


async def told(federation, kind: str, **payload: object) -> dict:
    async def sent() -> list[dict]:
        return federation.of(kind, **payload)

    (event,) = await eventually(sent)
    return event


async def test_local_actions_on_remote_accounts_and_posts_are_told(
    fed, internal, local, remote, remote_media, federation
):
    me, them = await local(), await remote()
    image = await remote_media(them, "gold")
    note = {"uri": f"{them.actor_uri}/statuses/e1", "actor_uri": them.actor_uri,
            "published": "2026-12-01T10:00:00Z", "images": [image]}  # fmt: skip
    post_id = (
        await fed.put("/internal/federation/remote-objects", json=note, headers=internal)
    ).json()["id"]

    assert (await fed.post(f"/posts/{post_id}/like", headers=me.headers)).status_code == 200
    like = await told(federation, "like.created", username=me.username)
    assert like["payload"] == {
        "username": me.username,
        "post_id": post_id,
        "post_uri": note["uri"],
        "post_author_actor_uri": them.actor_uri,
    }
    assert (await fed.delete(f"/posts/{post_id}/like", headers=me.headers)).status_code == 200
    await told(federation, "like.deleted", username=me.username, post_id=post_id)

    commented = await fed.post(
        f"/posts/{post_id}/comments", json={"content": "Nice"}, headers=me.headers
    )
    comment_id = commented.json()["id"]
    await told(federation, "comment.created", comment_id=comment_id, author_username=me.username)
    reply = await fed.get(f"/internal/federation/objects/{comment_id}", headers=internal)
    assert reply.json()["kind"] == "comment" and reply.json()["in_reply_to"] == note["uri"]
    assert reply.json()["content_html"] == "<p>Nice</p>"
    assert (await fed.delete(f"/comments/{comment_id}", headers=me.headers)).status_code == 204
    deleted = await told(federation, "comment.deleted", comment_id=comment_id)
    assert deleted["payload"]["post_author_actor_uri"] == them.actor_uri

    await fed.post(f"/users/{them.id}/follow", headers=me.headers)
    await told(federation, "follow.requested", username=me.username, actor_uri=them.actor_uri)
    await fed.delete(f"/users/{them.id}/follow", headers=me.headers)
    await told(federation, "follow.undone", username=me.username, actor_uri=them.actor_uri)

    # A block is told once (a repeat changes nothing), and so is its end.
    for _ in range(2):
        assert (await fed.post(f"/users/{them.id}/block", headers=me.headers)).status_code == 200
    await told(federation, "block.created", username=me.username, actor_uri=them.actor_uri)
    for _ in range(2):
        assert (await fed.delete(f"/users/{them.id}/block", headers=me.headers)).status_code == 200
    await told(federation, "block.deleted", username=me.username, actor_uri=them.actor_uri)
    # Muting is nobody else's business: no event.
    told_before = len(federation.events)
    assert (await fed.post(f"/users/{them.id}/mute", headers=me.headers)).status_code == 200
    assert len(federation.events) == told_before


async def test_a_local_users_post_profile_and_deletion_are_told(
    fed, fed_app, local, remote, internal, post_by_fed, federation
):
    me, them = await local(), await remote()
    follow = {"actor_uri": them.actor_uri, "username": me.username}
    await fed.post("/internal/federation/follows", json=follow, headers=internal)
    post_id = str(await post_by_fed(me, caption="first"))

    assert (
        await fed.patch(f"/posts/{post_id}", json={"caption": "second"}, headers=me.headers)
    ).status_code == 200
    await told(federation, "post.updated", post_id=post_id, author_username=me.username)
    assert (
        await fed.patch("/users/me", json={"bio": "hello"}, headers=me.headers)
    ).status_code == 200
    await told(federation, "profile.updated", username=me.username)
    assert (await fed.delete(f"/posts/{post_id}", headers=me.headers)).status_code == 204
    deleted = await told(federation, "post.deleted", post_id=post_id)
    assert deleted["payload"]["visibility"] == "public"

    from social.accounts import service as accounts

    async with fed_app.state.sessionmaker() as session, session.begin():
        await accounts.delete_account(session=session, user_id=me.id)
    gone = await told(federation, "account.deleted", username=me.username)
    assert gone["payload"]["remote_follower_actor_uris"] == [them.actor_uri]


async def test_events_wait_in_the_outbox_while_federation_is_down(fed, fed_app, local, federation):
    me = await local()
    federation.down = True
    assert (
        await fed.patch("/users/me", json={"bio": "while down"}, headers=me.headers)
    ).status_code == 200

    async def waiting() -> list[FederationEvent]:
        async with fed_app.state.sessionmaker() as session:
            rows = await session.scalars(
                select(FederationEvent).where(
                    FederationEvent.payload["username"].astext == me.username
                )
            )
            return [row for row in rows if row.attempts >= 2]

    await eventually(waiting)  # the relay keeps trying, backing off
    assert not federation.of("profile.updated", username=me.username)

    federation.down = False
    await told(federation, "profile.updated", username=me.username)

    async def relayed() -> bool:
        async with fed_app.state.sessionmaker() as session:
            rows = await session.scalars(
                select(FederationEvent).where(
                    FederationEvent.payload["username"].astext == me.username
                )
            )
            return rows.first() is None

    await eventually(relayed)


async def test_search_finds_a_remote_account_through_federation(fed, local, remote, federation):
    me, them = await local(), await remote()
    federation.accounts[them.username] = str(them.id)
    found = await fed.get("/users/search", params={"q": f"@{them.username}"}, headers=me.headers)
    assert found.status_code == 200, found.text
    assert found.json()["items"][0]["id"] == str(them.id)

    federation.down = True
    local_only = await fed.get(
        "/users/search", params={"q": "nobody@nowhere.example"}, headers=me.headers
    )
    assert local_only.status_code == 200 and local_only.json()["items"] == []
