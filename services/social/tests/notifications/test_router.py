"""Notifications: written with the action, withdrawn with its undoing, grouped per post."""

import asyncio

from sqlalchemy import text


async def notifications_of(client, who) -> list[dict]:
    response = await client.get("/notifications", params={"limit": 100}, headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def unread(client, who) -> int:
    response = await client.get("/notifications/unread-count", headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()["count"]


async def test_like_comment_and_follow_notify_and_undoing_withdraws(client, user, post_by):
    a, b = await user(), await user()
    post_id = await post_by(a)
    await client.post(f"/posts/{post_id}/like", headers=b.headers)
    comment = (
        await client.post(f"/posts/{post_id}/comments", json={"content": "nice"}, headers=b.headers)
    ).json()
    await client.post(f"/users/{a.id}/follow", headers=b.headers)

    items = await notifications_of(client, a)
    assert [n["kind"] for n in items] == ["follow", "comment", "like"]
    assert all(n["actors"][0]["id"] == str(b.id) and n["actors_count"] == 1 for n in items)
    assert items[1]["comment"] == {"id": comment["id"], "content": "nice"}
    assert items[2]["post"]["id"] == str(post_id)
    assert items[2]["post"]["thumbnail_url"].startswith("http://gateway.test/media/")
    assert items[0]["post"] is None and not any(n["read"] for n in items)
    assert await unread(client, a) == 3

    await client.delete(f"/posts/{post_id}/like", headers=b.headers)
    await client.delete(f"/comments/{comment['id']}", headers=b.headers)
    await client.delete(f"/users/{a.id}/follow", headers=b.headers)
    assert await notifications_of(client, a) == []
    assert await unread(client, a) == 0


async def test_a_dislike_and_your_own_actions_notify_nobody(client, user, post_by):
    a, b = await user(), await user()
    post_id = await post_by(a)
    await client.post(f"/posts/{post_id}/dislike", headers=b.headers)
    await client.post(f"/posts/{post_id}/like", headers=a.headers)
    await client.post(f"/posts/{post_id}/comments", json={"content": "me"}, headers=a.headers)
    assert await notifications_of(client, a) == []
    # A like replacing the dislike notifies; the dislike coming back withdraws it.
    await client.post(f"/posts/{post_id}/like", headers=b.headers)
    assert [n["kind"] for n in await notifications_of(client, a)] == ["like"]
    await client.post(f"/posts/{post_id}/dislike", headers=b.headers)
    assert await notifications_of(client, a) == []


async def test_likes_of_one_post_are_one_item_newest_actors_first(client, user, post_by):
    author = await user()
    post_id = await post_by(author)
    fans = [await user() for _ in range(20)]
    await asyncio.gather(
        *(client.post(f"/posts/{post_id}/like", headers=fan.headers) for fan in fans)
    )
    (item,) = await notifications_of(client, author)
    assert (item["kind"], item["actors_count"], len(item["actors"])) == ("like", 20, 3)
    await client.delete(f"/posts/{post_id}/like", headers=fans[0].headers)
    (item,) = await notifications_of(client, author)
    assert item["actors_count"] == 19
    assert str(fans[0].id) not in [actor["id"] for actor in item["actors"]]


async def test_a_read_group_that_gets_a_new_like_is_newest_and_unread(app, client, user, post_by):
    author, first, second, follower = await user(), await user(), await user(), await user()
    post_id = await post_by(author)
    await client.post(f"/posts/{post_id}/like", headers=first.headers)
    await client.post(f"/users/{author.id}/follow", headers=follower.headers)
    newest = (await notifications_of(client, author))[0]
    read = await client.post(
        "/notifications/read", json={"up_to_id": newest["id"]}, headers=author.headers
    )
    assert read.status_code == 204
    assert await unread(client, author) == 0

    await client.post(f"/posts/{post_id}/like", headers=second.headers)
    items = await notifications_of(client, author)
    assert [(n["kind"], n["read"]) for n in items] == [("like", False), ("follow", True)]
    assert [actor["id"] for actor in items[0]["actors"]] == [str(second.id), str(first.id)]
    assert await unread(client, author) == 1


async def test_a_like_after_the_window_opens_a_new_group(app, client, user, post_by):
    author, early, late = await user(), await user(), await user()
    post_id = await post_by(author)
    await client.post(f"/posts/{post_id}/like", headers=early.headers)
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "UPDATE notification SET created_at = now() - interval '25 hours'"
                " WHERE post_id = :post"
            ),
            {"post": post_id},
        )
    await client.post(f"/posts/{post_id}/like", headers=late.headers)
    assert [n["actors_count"] for n in await notifications_of(client, author)] == [1, 1]


async def test_notifications_page_newest_first_without_repeats(client, user, post_by):
    star = await user()
    for _ in range(5):
        await client.post(f"/users/{star.id}/follow", headers=(await user()).headers)
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = (await client.get("/notifications", params=params, headers=star.headers)).json()
        seen += [n["id"] for n in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5
    assert seen == sorted(seen, reverse=True)


async def test_notifications_need_a_user_and_a_valid_body(client, user):
    assert (await client.get("/notifications")).status_code == 401
    me = await user()
    bad = await client.post("/notifications/read", json={"up_to_id": "x"}, headers=me.headers)
    assert bad.status_code == 422
