"""Mastodon's paging on every list: `min_id` answers the statuses right after the id (a
forward read), `since_id` the newest ones after it, `max_id` the older ones, each page
newest first with `Link` headers to the next and previous pages."""

import re

import httpx


def _links(response: httpx.Response) -> dict[str, httpx.URL]:
    return {
        rel: httpx.URL(url)
        for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("link", ""))
    }


async def _ids(client, path: str, headers: dict[str, str], **params: object) -> list[str]:
    response = await client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


async def test_min_id_reads_forward_on_every_timeline_and_since_id_the_newest(
    client, user, captioned, app_headers
):
    author, reader = await user(), await user()
    await client.post(f"/users/{author.id}/follow", headers=reader.headers)
    tag = f"fwd{author.id.hex[-8:]}"
    posted = [await captioned(author, f"#{tag} {n}") for n in range(5)]
    headers = app_headers(reader)
    for path in (
        "/api/v1/timelines/home",
        "/api/v1/timelines/public",
        f"/api/v1/timelines/tag/{tag}",
        f"/api/v1/accounts/{author.id}/statuses",
    ):
        # The two right after the oldest, newest first: no gap behind them.
        assert await _ids(client, path, headers, min_id=posted[0], limit=2) == [
            posted[2],
            posted[1],
        ], path
        # since_id: the newest two after it (posts 2 is left for later: a gap).
        assert await _ids(client, path, headers, since_id=posted[0], limit=2) == [
            posted[4],
            posted[3],
        ], path
        # min_id below max_id: the forward read, cut at max_id.
        assert await _ids(client, path, headers, min_id=posted[0], max_id=posted[3]) == [
            posted[2],
            posted[1],
        ], path
        assert await _ids(client, path, headers, min_id=posted[4]) == [], path


async def test_paging_forward_through_the_link_headers_loses_no_status(
    client, user, captioned, app_headers
):
    author = await user()
    headers = app_headers(author)
    first = [await captioned(author, f"early {n}") for n in range(3)]
    page = await client.get("/api/v1/timelines/home", params={"limit": 3}, headers=headers)
    assert [s["id"] for s in page.json()] == first[::-1]
    # Seven arrive while the app is away; "load newer" pages forward from the top.
    later = [await captioned(author, f"later {n}") for n in range(7)]
    seen: list[str] = []
    prev = _links(page)["prev"]
    assert prev.params["min_id"] == first[-1]
    while True:
        newer = await client.get(prev.path, params=dict(prev.params), headers=headers)
        if not newer.json():
            assert "link" not in newer.headers
            break
        seen = [s["id"] for s in newer.json()] + seen
        links = _links(newer)
        assert links["next"].params["max_id"] == newer.json()[-1]["id"]
        prev = links["prev"]
    assert seen == later[::-1]


async def test_notifications_page_forward_with_min_id(client, user, post_by, app_headers):
    author = await user()
    post_id = await post_by(author)
    fans = [await user() for _ in range(4)]
    for fan in fans:
        await client.post(f"/users/{author.id}/follow", headers=fan.headers)
    await client.post(f"/posts/{post_id}/like", headers=fans[0].headers)
    headers = app_headers(author)
    newest_first = await client.get("/api/v1/notifications", headers=headers)
    ids = [n["id"] for n in newest_first.json()]
    assert len(ids) == 5
    oldest = ids[-1]
    forward = await client.get(
        "/api/v1/notifications", params={"min_id": oldest, "limit": 2}, headers=headers
    )
    assert [n["id"] for n in forward.json()] == ids[-3:-1]
    assert _links(forward)["prev"].params["min_id"] == ids[-3]
    since = await client.get(
        "/api/v1/notifications", params={"since_id": oldest, "limit": 2}, headers=headers
    )
    assert [n["id"] for n in since.json()] == ids[:2]


async def test_min_id_finds_the_posts_of_the_one_followee_of_many_who_posts(
    client, user, captioned, app_headers
):
    # Whether there is anything to read forwards was once guessed from a sample of the
    # first followees: thirty who never posted hid the one who did.
    reader = await user()
    silent = [await user() for _ in range(30)]
    author = await user()
    for followee in [*silent, author]:
        await client.post(f"/users/{followee.id}/follow", headers=reader.headers)
    posted = [await captioned(author, f"late {n}") for n in range(3)]
    headers = app_headers(reader)
    assert await _ids(client, "/api/v1/timelines/home", headers, min_id=posted[0]) == [
        posted[2],
        posted[1],
    ]
