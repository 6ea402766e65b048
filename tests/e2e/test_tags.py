"""Hashtags through the gateway, on the whole stack: tag pages and their paging, following
a tag into the home feed, trending."""

import uuid

from tests.e2e.accounts import signed_up
from tests.e2e.test_social import feed_ids, post_image


def unique_tag() -> str:
    return f"e2e{uuid.uuid4().hex[:10]}"


async def test_a_tag_page_lists_posts_newest_first_across_pages(gateway):
    tag = unique_tag()
    _, headers = await signed_up(gateway)
    ids = []
    for i, caption in enumerate([f"#{tag}", f"dawn #{tag.upper()}!", f"(#{tag}) again"]):
        created = await post_image(gateway, headers, caption=caption, color=f"#00{i}0{i}0")
        assert created.status_code == 201, created.text
        assert created.json()["tags"] == [tag]
        ids.append(created.json()["id"])
    await post_image(gateway, headers, caption=f"https://x.test/#{tag} is a link, #123 a number")

    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = await gateway.get(f"/tags/{tag}/posts", params=params)
        assert response.status_code == 200, response.text
        seen += [item["id"] for item in response.json()["items"]]
        if not (cursor := response.json()["next_cursor"]):
            break
    assert seen == ids[::-1]

    tag_info = await gateway.get(f"/tags/{tag.upper()}")
    assert tag_info.json() == {"name": tag, "posts_count": 3, "following": False}
    assert (await gateway.get("/tags/123")).status_code == 404


async def test_tags_in_any_script(gateway):
    _, headers = await signed_up(gateway)
    suffix = uuid.uuid4().hex[:6]
    created = await post_image(gateway, headers, caption=f"#서울{suffix} #Año{suffix}")
    assert created.json()["tags"] == [f"서울{suffix}", f"año{suffix}"]
    page = await gateway.get(f"/tags/서울{suffix}/posts")
    assert [item["id"] for item in page.json()["items"]] == [created.json()["id"]]


async def test_a_followed_tag_brings_its_posts_into_the_feed(gateway):
    tag = unique_tag()
    me_user, me = await signed_up(gateway)
    friend, friend_headers = await signed_up(gateway)
    _, blocker_headers = await signed_up(gateway)
    _, stranger = await signed_up(gateway)
    await gateway.post(f"/users/{friend['id']}/follow", headers=me)

    for _ in range(2):  # idempotent
        followed = await gateway.post(f"/tags/{tag}/follow", headers=me)
        assert followed.status_code == 200 and followed.json()["following"] is True
    assert (await gateway.get(f"/tags/{tag}", headers=me)).json()["following"] is True

    by_friend = (await post_image(gateway, friend_headers, caption=f"#{tag}")).json()["id"]
    by_stranger = (await post_image(gateway, stranger, caption=f"#{tag}")).json()["id"]
    untagged = (await post_image(gateway, stranger, caption="no tag")).json()["id"]
    await gateway.post(f"/users/{me_user['id']}/block", headers=blocker_headers)
    by_blocker = (await post_image(gateway, blocker_headers, caption=f"#{tag}")).json()["id"]

    feed = await feed_ids(gateway, "/feed", me)
    assert feed[:2] == [by_stranger, by_friend]  # the friend's post once, not twice
    assert untagged not in feed and by_blocker not in feed
    assert by_blocker not in await feed_ids(gateway, f"/tags/{tag}/posts", me)

    for _ in range(2):
        unfollowed = await gateway.delete(f"/tags/{tag}/follow", headers=me)
        assert unfollowed.status_code == 200 and unfollowed.json()["following"] is False
    feed = await feed_ids(gateway, "/feed", me)
    assert by_friend in feed and by_stranger not in feed


async def test_trending_is_the_most_used_tags_of_the_day(gateway):
    hot, warm = unique_tag(), unique_tag()
    _, headers = await signed_up(gateway)
    for caption in (f"#{hot} #{warm}", f"#{hot} #{warm}", f"#{hot}"):
        await post_image(gateway, headers, caption=caption)
    response = await gateway.get("/tags/trending")
    assert response.status_code == 200
    counts = {item["name"]: item["posts_count"] for item in response.json()["items"]}
    assert counts[hot] == 3 and counts[warm] == 2
