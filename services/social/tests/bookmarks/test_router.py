"""Bookmarks: idempotent, newest bookmark first, the owner's alone, gone with the post."""


async def bookmark_ids(client, who, **params) -> list[str]:
    response = await client.get("/users/me/bookmarks", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_bookmarks_are_idempotent_private_and_in_bookmark_order(client, user, post_by):
    me, other, author = await user(), await user(), await user()
    first, second, third = [str(await post_by(author)) for _ in range(3)]
    for post_id in (second, first, third, first):  # a repeat changes nothing
        response = await client.post(f"/posts/{post_id}/bookmark", headers=me.headers)
        assert response.status_code == 200 and response.json()["bookmarked"] is True

    # By bookmark time, not post time; paged on the bookmark's id.
    page = (await client.get("/users/me/bookmarks", params={"limit": 2}, headers=me.headers)).json()
    rest = await bookmark_ids(client, me, limit=2, cursor=page["next_cursor"])
    assert [item["id"] for item in page["items"]] + rest == [third, first, second]

    assert (await client.get(f"/posts/{first}", headers=me.headers)).json()["bookmarked"] is True
    assert (await client.get(f"/posts/{first}", headers=other.headers)).json()[
        "bookmarked"
    ] is False
    assert (await client.get(f"/posts/{first}")).json()["bookmarked"] is False
    assert await bookmark_ids(client, other) == []
    assert (await client.get("/users/me/bookmarks")).status_code == 401

    for _ in range(2):
        response = await client.delete(f"/posts/{first}/bookmark", headers=me.headers)
        assert response.status_code == 200 and response.json()["bookmarked"] is False
    assert await bookmark_ids(client, me) == [third, second]


async def test_a_post_out_of_sight_drops_out(client, user, post_by):
    me, author = await user(), await user()
    post_id = str(await post_by(author))
    await client.post(f"/posts/{post_id}/bookmark", headers=me.headers)
    await client.post(f"/users/{me.id}/block", headers=author.headers)
    assert await bookmark_ids(client, me) == []
    await client.delete(f"/users/{me.id}/block", headers=author.headers)
    assert await bookmark_ids(client, me) == [post_id]


async def test_a_post_gone_private_drops_out(client, user, post_by):
    me, author = await user(), await user()
    post_id = str(await post_by(author))
    await client.post(f"/posts/{post_id}/bookmark", headers=me.headers)
    await client.patch("/users/me", json={"is_private": True}, headers=author.headers)
    assert await bookmark_ids(client, me) == []
