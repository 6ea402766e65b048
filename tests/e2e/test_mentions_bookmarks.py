"""Mentions and bookmarks through the gateway, on the whole stack."""

from tests.e2e.accounts import signed_up
from tests.e2e.test_notifications_and_blocks import notifications
from tests.e2e.test_social import feed_ids, post_image


async def mentions(gateway, headers) -> list[dict]:
    return [n for n in await notifications(gateway, headers) if n["kind"] == "mention"]


async def test_a_mention_links_and_notifies_unless_blocked(gateway):
    author, author_headers = await signed_up(gateway)
    named, named_headers = await signed_up(gateway)
    blocker, blocker_headers = await signed_up(gateway)
    await gateway.post(f"/users/{author['id']}/block", headers=blocker_headers)
    assert await mentions(gateway, named_headers) == []  # and social knows them now

    caption = (
        f"with @{named['username'].upper()} @{blocker['username']} "
        f"@{author['username']} @nobody_here_e2e mail x@example.com"
    )
    created = await post_image(gateway, author_headers, caption=caption)
    assert created.status_code == 201, created.text
    post = created.json()
    assert post["caption"] == caption  # unknown names stay plain text
    linked = [(m["id"], m["username"]) for m in post["mentions"]]
    assert (named["id"], named["username"]) in linked
    assert all(name != "nobody_here_e2e" for _, name in linked)

    (notified,) = await mentions(gateway, named_headers)
    assert notified["actors"][0]["username"] == author["username"]
    assert notified["post"]["id"] == post["id"]
    assert await mentions(gateway, blocker_headers) == []  # either blocks: none
    assert await mentions(gateway, author_headers) == []  # never oneself


async def test_a_comment_mention_links_and_notifies(gateway):
    _, author_headers = await signed_up(gateway)
    commenter, commenter_headers = await signed_up(gateway)
    named, named_headers = await signed_up(gateway)
    await notifications(gateway, named_headers)
    post = (await post_image(gateway, author_headers)).json()
    comment = await gateway.post(
        f"/posts/{post['id']}/comments",
        json={"content": f"look @{named['username']} and @nobody_at_all"},
        headers=commenter_headers,
    )
    assert comment.status_code == 201
    linked = [{"id": named["id"], "username": named["username"]}]
    assert comment.json()["mentions"] == linked  # a name that is nobody's stays plain text
    listed = (await gateway.get(f"/posts/{post['id']}/comments")).json()["items"]
    assert [item["mentions"] for item in listed] == [linked]
    (notified,) = await mentions(gateway, named_headers)
    assert notified["comment"]["id"] == comment.json()["id"]
    assert notified["actors"][0]["username"] == commenter["username"]


async def test_bookmarks_are_the_owners_alone(gateway):
    _, me = await signed_up(gateway)
    _, other = await signed_up(gateway)
    _, author = await signed_up(gateway)
    older = (await post_image(gateway, author, color="blue")).json()["id"]
    newer = (await post_image(gateway, author, color="green")).json()["id"]

    for post_id in (newer, older, older):  # bookmark time, not post time; idempotent
        response = await gateway.post(f"/posts/{post_id}/bookmark", headers=me)
        assert response.status_code == 200 and response.json()["bookmarked"] is True
    assert await feed_ids(gateway, "/users/me/bookmarks", me) == [older, newer]
    first = (await gateway.get("/users/me/bookmarks", params={"limit": 1}, headers=me)).json()
    rest = await gateway.get(
        "/users/me/bookmarks", params={"limit": 1, "cursor": first["next_cursor"]}, headers=me
    )
    assert [p["id"] for p in first["items"] + rest.json()["items"]] == [older, newer]

    assert await feed_ids(gateway, "/users/me/bookmarks", other) == []
    assert (await gateway.get("/users/me/bookmarks")).status_code == 401
    assert (await gateway.get(f"/posts/{older}", headers=me)).json()["bookmarked"] is True
    assert (await gateway.get(f"/posts/{older}", headers=other)).json()["bookmarked"] is False

    for _ in range(2):
        response = await gateway.delete(f"/posts/{older}/bookmark", headers=me)
        assert response.status_code == 200 and response.json()["bookmarked"] is False
    assert await feed_ids(gateway, "/users/me/bookmarks", me) == [newer]
    assert (await gateway.delete(f"/posts/{newer}", headers=author)).status_code == 204
    assert await feed_ids(gateway, "/users/me/bookmarks", me) == []


async def test_a_caption_edit_resyncs_tags_and_notifies_only_the_newly_mentioned(gateway):
    author, author_headers = await signed_up(gateway)
    first, first_headers = await signed_up(gateway)
    second, second_headers = await signed_up(gateway)
    for headers in (first_headers, second_headers):
        await notifications(gateway, headers)
    post = (
        await post_image(gateway, author_headers, caption=f"#before @{first['username']}")
    ).json()
    assert post["tags"] == ["before"]

    edited = await gateway.patch(
        f"/posts/{post['id']}",
        json={"caption": f"#after @{first['username']} @{second['username']}"},
        headers=author_headers,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["tags"] == ["after"]
    assert [m["id"] for m in edited.json()["mentions"]] == [first["id"], second["id"]]
    assert len(await mentions(gateway, first_headers)) == 1  # not again for an edit
    assert len(await mentions(gateway, second_headers)) == 1
    assert post["id"] not in await feed_ids(gateway, "/tags/before/posts")
    assert post["id"] in await feed_ids(gateway, "/tags/after/posts")
    assert author["id"] == edited.json()["author"]["id"]
