"""Notifications, blocks and mutes through the gateway, on the whole stack."""

import asyncio

from tests.e2e.accounts import bearer, register, signed_up
from tests.e2e.test_social import feed_ids, post_image


async def notifications(gateway, headers) -> list[dict]:
    response = await gateway.get("/notifications", params={"limit": 100}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def unread_count(gateway, headers) -> int:
    return (await gateway.get("/notifications/unread-count", headers=headers)).json()["count"]


async def test_likes_comments_and_follows_notify_and_many_likes_are_one_item(gateway):
    a, a_headers = await signed_up(gateway)
    b, b_headers = await signed_up(gateway)
    post = (await post_image(gateway, a_headers, color="teal")).json()
    await gateway.post(f"/posts/{post['id']}/like", headers=b_headers)
    comments = f"/posts/{post['id']}/comments"
    await gateway.post(comments, json={"content": "great shot"}, headers=b_headers)
    await gateway.post(f"/users/{a['id']}/follow", headers=b_headers)

    items = await notifications(gateway, a_headers)
    assert [n["kind"] for n in items] == ["follow", "comment", "like"]
    assert {n["actors"][0]["username"] for n in items} == {b["username"]}
    assert items[1]["comment"]["content"] == "great shot"
    assert items[2]["post"]["id"] == post["id"]
    assert await unread_count(gateway, a_headers) == 3

    await gateway.delete(f"/posts/{post['id']}/like", headers=b_headers)
    assert [n["kind"] for n in await notifications(gateway, a_headers)] == ["follow", "comment"]
    marked = await gateway.post(
        "/notifications/read", json={"up_to_id": items[0]["id"]}, headers=a_headers
    )
    assert marked.status_code == 204
    assert await unread_count(gateway, a_headers) == 0

    popular = (await post_image(gateway, a_headers, color="gold")).json()
    limit = asyncio.Semaphore(8)  # password hashing is deliberately slow

    async def fan() -> dict[str, str]:
        async with limit:
            return bearer((await register(gateway))["access_token"])

    fans = await asyncio.gather(*(fan() for _ in range(20)))
    liked = await asyncio.gather(
        *(gateway.post(f"/posts/{popular['id']}/like", headers=headers) for headers in fans)
    )
    assert {response.status_code for response in liked} == {200}
    grouped = [n for n in await notifications(gateway, a_headers) if n["kind"] == "like"]
    assert len(grouped) == 1
    assert (grouped[0]["post"]["id"], grouped[0]["actors_count"]) == (popular["id"], 20)
    assert len(grouped[0]["actors"]) == 3 and grouped[0]["read"] is False


async def test_a_block_cuts_both_ways_until_lifted_and_a_mute_goes_unnoticed(gateway):
    a, a_headers = await signed_up(gateway)
    b, b_headers = await signed_up(gateway)
    c, c_headers = await signed_up(gateway)
    a_post = (await post_image(gateway, a_headers, color="olive")).json()["id"]
    b_post = (await post_image(gateway, b_headers, color="maroon")).json()["id"]
    c_post = (await post_image(gateway, c_headers, color="lime")).json()["id"]
    await gateway.post(f"/users/{a['id']}/follow", headers=b_headers)
    for followee in (b, c):
        await gateway.post(f"/users/{followee['id']}/follow", headers=a_headers)
    assert {b_post, c_post} <= set(await feed_ids(gateway, "/feed", a_headers))

    blocked = await gateway.post(f"/users/{b['id']}/block", headers=a_headers)
    assert blocked.status_code == 200, blocked.text
    followers = await feed_ids(gateway, f"/users/{a['id']}/followers")
    assert b["id"] not in followers
    for path, body in (
        (f"/users/{a['id']}/follow", None),
        (f"/posts/{a_post}/like", None),
        (f"/posts/{a_post}/comments", {"content": "let me in"}),
    ):
        refused = await gateway.post(path, json=body, headers=b_headers)
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "blocked"), path
    for viewer, other, their_post in ((a_headers, b, b_post), (b_headers, a, a_post)):
        for path in ("/feed", "/feed/global", "/posts", f"/users/{other['id']}/posts"):
            assert their_post not in await feed_ids(gateway, path, viewer), path
        found = await gateway.get("/users/search", params={"q": other["username"]}, headers=viewer)
        assert found.json()["items"] == []
    assert (await gateway.get("/users/me/blocks", headers=a_headers)).json()["items"][0]["id"] == b[
        "id"
    ]

    await gateway.delete(f"/users/{b['id']}/block", headers=a_headers)
    assert (await gateway.post(f"/users/{a['id']}/follow", headers=b_headers)).status_code == 200

    muted = await gateway.post(f"/users/{c['id']}/mute", headers=a_headers)
    assert muted.json()["is_muting"] is True
    for path in ("/feed", "/feed/global"):
        assert c_post not in await feed_ids(gateway, path, a_headers), path
    # C notices nothing: A's profile reads the same, and C still reaches A.
    seen_by_c = (await gateway.get(f"/users/{a['id']}", headers=c_headers)).json()
    assert (seen_by_c["is_blocking"], seen_by_c["is_muting"]) == (False, False)
    assert a_post in await feed_ids(gateway, f"/users/{a['id']}/posts", c_headers)
    assert (await gateway.post(f"/posts/{a_post}/like", headers=c_headers)).status_code == 200
    assert (await gateway.post(f"/users/{a['id']}/follow", headers=c_headers)).status_code == 200
    assert [
        n for n in await notifications(gateway, a_headers) if n["actors"][0]["id"] == c["id"]
    ] == []
