"""Blocks and mutes: what each hides and refuses, listed, idempotent, and invisible to the muted."""

from common.ids import new_id


async def ids(client, path, who=None) -> list[str]:
    headers = who.headers if who else None
    response = await client.get(path, params={"limit": 100}, headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_a_block_ends_follows_both_ways_and_refuses_them_again(client, user):
    a, b = await user(), await user()
    await client.post(f"/users/{a.id}/follow", headers=b.headers)
    await client.post(f"/users/{b.id}/follow", headers=a.headers)
    for _ in range(2):
        blocked = await client.post(f"/users/{b.id}/block", headers=a.headers)
        assert blocked.status_code == 200, blocked.text
    assert blocked.json()["is_blocking"] is True
    assert (blocked.json()["followers_count"], blocked.json()["following_count"]) == (0, 0)
    mine = (await client.get(f"/users/{a.id}")).json()
    assert (mine["followers_count"], mine["following_count"]) == (0, 0)
    for follower, followee in ((a, b), (b, a)):
        refused = await client.post(f"/users/{followee.id}/follow", headers=follower.headers)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "blocked"
    assert await ids(client, "/users/me/blocks", a) == [str(b.id)]

    for _ in range(2):
        unblocked = await client.delete(f"/users/{b.id}/block", headers=a.headers)
        assert unblocked.json()["is_blocking"] is False
    assert (await client.post(f"/users/{a.id}/follow", headers=b.headers)).status_code == 200


async def test_a_block_hides_each_from_the_other_and_refuses_likes_and_comments(
    client, user, post_by
):
    a, b, c = await user(), await user(), await user()
    a_post, b_post = await post_by(a), await post_by(b)
    await client.post(
        f"/posts/{a_post}/comments", json={"content": "b was here"}, headers=b.headers
    )
    await client.post(f"/users/{b.id}/follow", headers=c.headers)
    await client.post(f"/users/{b.id}/block", headers=a.headers)

    for post_id, who in ((a_post, b), (b_post, a)):
        for action in ("like", "dislike"):
            refused = await client.post(f"/posts/{post_id}/{action}", headers=who.headers)
            assert (refused.status_code, refused.json()["error"]["code"]) == (403, "blocked")
        refused = await client.post(
            f"/posts/{post_id}/comments", json={"content": "hi"}, headers=who.headers
        )
        assert refused.status_code == 403
    for viewer, other, their_post in ((a, b, b_post), (b, a, a_post)):
        assert str(their_post) not in await ids(client, "/feed/global", viewer)
        assert await ids(client, f"/users/{other.id}/posts", viewer) == []
        assert str(other.id) not in await ids(client, f"/users/{c.id}/following", viewer)
    comments = f"/posts/{a_post}/comments"
    assert await ids(client, comments, a) == []
    assert len(await ids(client, comments, c)) == 1  # others still see it
    assert str(b_post) in await ids(client, "/feed/global", c)


async def test_a_mute_hides_from_feeds_and_notifications_only_and_cannot_be_seen(
    client, user, post_by
):
    a, c = await user(), await user()
    await client.post(f"/users/{c.id}/follow", headers=a.headers)
    c_post = await post_by(c)
    a_post = await post_by(a)
    await client.post(f"/posts/{a_post}/like", headers=c.headers)
    assert str(c_post) in await ids(client, "/feed", a)

    muted = await client.post(f"/users/{c.id}/mute", headers=a.headers)
    assert (muted.json()["is_muting"], muted.json()["is_following"]) == (True, True)
    for path in ("/feed", "/feed/global", "/posts"):
        assert str(c_post) not in await ids(client, path, a), path
    assert await ids(client, f"/users/{c.id}/posts", a) == [str(c_post)]  # the profile stays
    assert await ids(client, "/notifications", a) == []  # withdrawn
    await client.post(f"/posts/{a_post}/comments", json={"content": "hey"}, headers=c.headers)
    assert await ids(client, "/notifications", a) == []  # and none new
    assert await ids(client, "/users/me/mutes", a) == [str(c.id)]

    # C notices nothing: a's profile, posts and the like all look as before.
    seen_by_c = (await client.get(f"/users/{a.id}", headers=c.headers)).json()
    assert (seen_by_c["is_blocking"], seen_by_c["is_muting"]) == (False, False)
    assert await ids(client, f"/users/{a.id}/posts", c) == [str(a_post)]
    assert (await client.post(f"/posts/{a_post}/like", headers=c.headers)).status_code == 200

    await client.delete(f"/users/{c.id}/mute", headers=a.headers)
    assert str(c_post) in await ids(client, "/feed", a)


async def test_blocking_yourself_or_nobody(client, user):
    me = await user()
    myself = await client.post(f"/users/{me.id}/block", headers=me.headers)
    assert (myself.status_code, myself.json()["error"]["code"]) == (400, "cannot_block_self")
    assert (await client.post(f"/users/{new_id()}/mute", headers=me.headers)).status_code == 404
    assert (await client.get("/users/me/blocks")).status_code == 401


async def test_a_block_hides_each_from_the_others_search(client, user):
    a, b = await user(), await user()
    await client.post(f"/users/{b.id}/block", headers=a.headers)
    for viewer, other in ((a, b), (b, a)):
        found = await client.get(
            "/users/search", params={"q": other.username}, headers=viewer.headers
        )
        assert found.status_code == 200
        assert found.json()["items"] == []
    anyone = await client.get("/users/search", params={"q": b.username})
    assert [u["id"] for u in anyone.json()["items"]] == [str(b.id)]
