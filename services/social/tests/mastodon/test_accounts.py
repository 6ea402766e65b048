"""An account's followers and followees, as Accounts paged by the follows (`Link`), and
hidden for a private account from who does not follow it, as the web app's lists are."""

import re


async def test_followers_and_following_page_by_the_follows(client, user, app_headers):
    star = await user()
    fans = [await user() for _ in range(3)]
    for fan in fans:
        await client.post(f"/users/{star.id}/follow", headers=fan.headers)
    headers = app_headers(fans[0])
    first = await client.get(
        f"/api/v1/accounts/{star.id}/followers", params={"limit": 2}, headers=headers
    )
    assert [a["id"] for a in first.json()] == [str(fans[2].id), str(fans[1].id)]
    links = dict(
        (rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', first.headers["link"])
    )
    assert links["next"].startswith(f"http://gateway.test/api/v1/accounts/{star.id}/followers?")
    rest = await client.get(links["next"].removeprefix("http://gateway.test"), headers=headers)
    assert [a["id"] for a in rest.json()] == [str(fans[0].id)]
    # Back up from the oldest: the follows right after it.
    newer = re.search(r"min_id=([\w-]+)", rest.headers["link"])
    assert newer is not None
    forward = await client.get(
        f"/api/v1/accounts/{star.id}/followers",
        params={"min_id": newer[1], "limit": 1},
        headers=headers,
    )
    assert [a["id"] for a in forward.json()] == [str(fans[1].id)]
    following = await client.get(f"/api/v1/accounts/{fans[0].id}/following")
    assert [a["id"] for a in following.json()] == [str(star.id)]
    assert following.json()[0]["followers_count"] == 3


async def test_a_private_accounts_network_is_for_its_followers(client, user, app_headers):
    owner, follower, stranger = await user(), await user(), await user()
    await client.post(f"/users/{owner.id}/follow", headers=follower.headers)
    await client.patch("/users/me", json={"is_private": True}, headers=owner.headers)
    path = f"/api/v1/accounts/{owner.id}/followers"
    assert (await client.get(path)).json() == []
    assert (await client.get(path, headers=app_headers(stranger))).json() == []
    assert [a["id"] for a in (await client.get(path, headers=app_headers(follower))).json()] == [
        str(follower.id)
    ]
    assert len((await client.get(path, headers=app_headers(owner))).json()) == 1
    missing = await client.get("/api/v1/accounts/00000000-0000-0000-0000-000000000000/following")
    assert missing.status_code == 404
