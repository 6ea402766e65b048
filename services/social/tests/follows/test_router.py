"""Follows: idempotent both ways, never yourself, counted exactly, listed newest first."""

import asyncio

from common.ids import new_id


async def test_follow_is_idempotent_and_counted_once(client, user):
    me, them = await user(), await user()
    for _ in range(2):
        response = await client.post(f"/users/{them.id}/follow", headers=me.headers)
        assert response.status_code == 200
    assert response.json()["followers_count"] == 1
    assert response.json()["is_following"] is True
    assert (await client.get(f"/users/{me.id}")).json()["following_count"] == 1
    seen_by_me = await client.get(f"/users/{them.id}", headers=me.headers)
    assert seen_by_me.json()["is_following"] is True


async def test_unfollow_is_idempotent(client, user):
    me, them = await user(), await user()
    await client.post(f"/users/{them.id}/follow", headers=me.headers)
    for _ in range(2):
        response = await client.delete(f"/users/{them.id}/follow", headers=me.headers)
        assert response.status_code == 200
    assert (response.json()["followers_count"], response.json()["is_following"]) == (0, False)
    assert (await client.get(f"/users/{me.id}")).json()["following_count"] == 0


async def test_following_yourself_is_400(client, user):
    me = await user()
    response = await client.post(f"/users/{me.id}/follow", headers=me.headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "cannot_follow_self"


async def test_following_an_unknown_user_is_404(client, user):
    me = await user()
    response = await client.post(f"/users/{new_id()}/follow", headers=me.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "user_not_found"


async def test_mutual_follows_at_once_both_count(client, user):
    a, b = await user(), await user()
    await asyncio.gather(
        client.post(f"/users/{b.id}/follow", headers=a.headers),
        client.post(f"/users/{a.id}/follow", headers=b.headers),
    )
    for who in (a, b):
        profile = (await client.get(f"/users/{who.id}")).json()
        assert (profile["followers_count"], profile["following_count"]) == (1, 1)


async def test_followers_and_following_page_without_repeats(client, user):
    star = await user()
    fans = [await user() for _ in range(5)]
    for fan in fans:
        await client.post(f"/users/{star.id}/follow", headers=fan.headers)
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = (await client.get(f"/users/{star.id}/followers", params=params)).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [str(fan.id) for fan in reversed(fans)]
    following = (await client.get(f"/users/{fans[0].id}/following")).json()
    assert [item["username"] for item in following["items"]] == [star.username]


async def test_a_user_who_just_registered_can_be_followed_and_viewed_at_once(
    client, user, token_issuer
):
    # Auth knows them (it issued their token); no users-stream event ever reaches this
    # service (its consumer reads a stream nobody writes): the worst case of a stream lag.
    newcomer, username = new_id(), f"new{new_id().hex[-10:]}"
    token_issuer.token(str(newcomer), username)
    me = await user()
    followed = await client.post(f"/users/{newcomer}/follow", headers=me.headers)
    assert followed.status_code == 200, followed.text
    assert followed.json()["followers_count"] == 1
    profile = await client.get(f"/users/{newcomer}")
    assert profile.status_code == 200
    assert profile.json()["username"] == username
