"""Tag pages, tag follows in the home feed, trending: on the real database."""

import uuid

from social.posts import repository as posts
from social.posts import service as posts_service


def unique_tag() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


async def test_a_tag_page_lists_its_posts_newest_first_in_pages(client, user, captioned):
    tag = unique_tag()
    author = await user()
    ids = [await captioned(author, f"day {i} #{tag.upper()}") for i in range(5)]
    await captioned(author, "untagged")

    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = (await client.get(f"/tags/{tag}/posts", params=params)).json()
        seen += [item["id"] for item in body["items"]]
        assert all(item["tags"] == [tag] for item in body["items"])
        if not (cursor := body["next_cursor"]):
            break
    assert seen == ids[::-1]

    info = (await client.get(f"/tags/%23{tag.title()}", headers=author.headers)).json()
    assert info == {"name": tag, "posts_count": 5, "following": False}


async def test_no_tag_is_404(client):
    for name in ("123", "a-b", "%20"):
        response = await client.get(f"/tags/{name}")
        assert response.status_code == 404, name
        assert response.json()["error"]["code"] == "tag_not_found"


async def test_a_followed_tag_joins_the_home_feed_once(client, user, captioned):
    tag = unique_tag()
    me, friend, stranger, blocked = await user(), await user(), await user(), await user()
    await client.post(f"/users/{friend.id}/follow", headers=me.headers)
    await client.post(f"/users/{blocked.id}/block", headers=me.headers)

    followed = await client.post(f"/tags/{tag}/follow", headers=me.headers)
    assert followed.json() == {"name": tag, "posts_count": 0, "following": True}
    again = await client.post(f"/tags/{tag}/follow", headers=me.headers)
    assert again.json()["following"] is True

    by_friend = await captioned(friend, f"#{tag}")  # followed twice over: shown once
    by_stranger = await captioned(stranger, f"#{tag}")
    await captioned(blocked, f"#{tag}")
    untagged = await captioned(stranger, "nothing")
    feed = (await client.get("/feed", headers=me.headers)).json()["items"]
    assert [item["id"] for item in feed] == [by_stranger, by_friend]
    assert untagged not in [item["id"] for item in feed]

    assert (await client.delete(f"/tags/{tag}/follow", headers=me.headers)).json()[
        "following"
    ] is False
    assert (await client.delete(f"/tags/{tag}/follow", headers=me.headers)).status_code == 200
    feed = (await client.get("/feed", headers=me.headers)).json()["items"]
    assert [item["id"] for item in feed] == [by_friend]


async def test_a_viewer_following_only_tags_has_a_feed(client, user, captioned):
    tag = unique_tag()
    me, stranger = await user(), await user()
    await client.post(f"/tags/{tag}/follow", headers=me.headers)
    ids = [await captioned(stranger, f"#{tag}") for _ in range(3)]
    first = (await client.get("/feed", params={"limit": 2}, headers=me.headers)).json()
    rest = (
        await client.get(
            "/feed", params={"limit": 2, "cursor": first["next_cursor"]}, headers=me.headers
        )
    ).json()
    assert [item["id"] for item in first["items"] + rest["items"]] == ids[::-1]
    assert rest["next_cursor"] is None


async def test_trending_counts_posts_of_the_last_day(client, user, captioned):
    hot, warm = unique_tag(), unique_tag()
    author = await user()
    for _ in range(3):
        await captioned(author, f"#{hot} #{warm}")
    await captioned(author, f"#{hot}")
    items = (await client.get("/tags/trending")).json()["items"]
    counts = {item["name"]: item["posts_count"] for item in items}
    assert counts[hot] == 4 and counts[warm] == 3
    names = [item["name"] for item in items]
    assert names.index(hot) < names.index(warm)


async def test_a_caption_edit_resyncs_tags(app, client, user, captioned):
    old, new = unique_tag(), unique_tag()
    author = await user()
    post_id = await captioned(author, f"#{old}")
    async with app.state.sessionmaker() as session, session.begin():
        post = await posts.get(session, uuid.UUID(post_id))
        assert post is not None
        post.caption = f"#{new} and #{old.upper()}"
        await posts_service.caption_changed(session=session, post=post)
    assert (await client.get(f"/posts/{post_id}")).json()["tags"] == [new, old]
    async with app.state.sessionmaker() as session, session.begin():
        post = await posts.get(session, uuid.UUID(post_id))
        assert post is not None
        post.caption = f"only #{new}"
        await posts_service.caption_changed(session=session, post=post)
    assert (await client.get(f"/posts/{post_id}")).json()["tags"] == [new]
    assert (await client.get(f"/tags/{old}")).json()["posts_count"] == 0


async def test_a_private_accounts_posts_show_only_to_its_followers(client, user, captioned):
    tag = unique_tag()
    author, follower, outsider = await user(), await user(), await user()
    await client.post(f"/users/{author.id}/follow", headers=follower.headers)
    await client.patch("/users/me", json={"is_private": True}, headers=author.headers)
    post_id = await captioned(author, f"#{tag}")
    for who in (follower, outsider):
        await client.post(f"/tags/{tag}/follow", headers=who.headers)

    def ids(response) -> list[str]:
        return [item["id"] for item in response.json()["items"]]

    assert ids(await client.get(f"/tags/{tag}/posts", headers=follower.headers)) == [post_id]
    assert ids(await client.get(f"/tags/{tag}/posts", headers=outsider.headers)) == []
    assert ids(await client.get(f"/tags/{tag}/posts")) == []
    assert post_id in ids(await client.get("/feed", headers=follower.headers))
    assert post_id not in ids(await client.get("/feed", headers=outsider.headers))


async def test_a_tags_count_is_what_the_viewer_may_see_on_its_page(client, user, captioned):
    tag = unique_tag()
    me, friend, private, blocker, stranger = [await user() for _ in range(5)]
    await client.post(f"/users/{friend.id}/follow", headers=me.headers)
    await client.patch("/users/me", json={"is_private": True}, headers=private.headers)
    await client.post(f"/users/{me.id}/block", headers=blocker.headers)
    for author in (friend, private, blocker, stranger):
        await captioned(author, f"#{tag}")

    def count(response) -> int:
        return response.json()["posts_count"]

    page = (await client.get(f"/tags/{tag}/posts", headers=me.headers)).json()["items"]
    assert count(await client.get(f"/tags/{tag}", headers=me.headers)) == len(page) == 2
    assert count(await client.get(f"/tags/{tag}")) == 3  # anonymous: no block applies
    assert count(await client.get(f"/tags/{tag}", headers=private.headers)) == 4
    assert count(await client.post(f"/tags/{tag}/follow", headers=me.headers)) == 2
