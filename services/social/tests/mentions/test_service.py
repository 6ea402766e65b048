"""Mentions: linked in the post, notified once, never across a block, never to oneself."""

import uuid

from social.posts import repository as posts
from social.posts import service as posts_service


async def mentions_of(client, who) -> list[dict]:
    response = await client.get("/notifications", params={"limit": 100}, headers=who.headers)
    assert response.status_code == 200, response.text
    return [n for n in response.json()["items"] if n["kind"] == "mention"]


async def edit_caption(app, post_id: str, caption: str) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        post = await posts.get(session, uuid.UUID(post_id))
        assert post is not None
        post.caption = caption
        await posts_service.caption_changed(session=session, post=post)


async def test_a_caption_mention_links_and_notifies_once(app, client, user, captioned):
    author, named, other = await user(), await user(), await user()
    post_id = await captioned(
        author, f"with @{named.username.upper()}, @{author.username} and @nobody_at_all."
    )
    post = (await client.get(f"/posts/{post_id}")).json()
    assert post["mentions"] == [
        {"id": str(named.id), "username": named.username},
        {"id": str(author.id), "username": author.username},
    ]
    assert "@nobody_at_all" in post["caption"]  # unknown names stay plain text

    (notified,) = await mentions_of(client, named)
    assert notified["actors"][0]["id"] == str(author.id)
    assert notified["post"]["id"] == post_id and notified["comment"] is None
    assert await mentions_of(client, author) == []  # no self-notification

    # An edit keeping (or dropping and bringing back) a mention notifies no one again.
    await edit_caption(app, post_id, f"@{other.username} @{named.username}")
    await edit_caption(app, post_id, f"@{other.username}")
    await edit_caption(app, post_id, f"@{named.username} @{other.username}")
    assert len(await mentions_of(client, named)) == 1
    assert len(await mentions_of(client, other)) == 1
    mentions = (await client.get(f"/posts/{post_id}")).json()["mentions"]
    assert [m["id"] for m in mentions] == [str(named.id), str(other.id)]


async def test_no_mention_notification_across_a_block(client, user, captioned):
    author, blocker, blocked = await user(), await user(), await user()
    await client.post(f"/users/{author.id}/block", headers=blocker.headers)
    await client.post(f"/users/{blocked.id}/block", headers=author.headers)
    await captioned(author, f"@{blocker.username} @{blocked.username}")
    assert await mentions_of(client, blocker) == []
    assert await mentions_of(client, blocked) == []


async def test_a_comment_mention_links_and_notifies(client, user, post_by):
    author, commenter, named = await user(), await user(), await user()
    post_id = await post_by(author)
    comment = (
        await client.post(
            f"/posts/{post_id}/comments",
            json={
                "content": f"look @{named.username.upper()} @{author.username} @{named.username}"
                " @nobody_at_all mail a@b.com"
            },
            headers=commenter.headers,
        )
    ).json()
    linked = [
        {"id": str(named.id), "username": named.username},
        {"id": str(author.id), "username": author.username},
    ]
    assert comment["mentions"] == linked  # in the order written, once each, known names only
    (listed,) = (await client.get(f"/posts/{post_id}/comments")).json()["items"]
    assert listed["mentions"] == linked
    plain = await client.post(
        f"/posts/{post_id}/comments", json={"content": "no one"}, headers=commenter.headers
    )
    assert plain.json()["mentions"] == []
    (notified,) = await mentions_of(client, named)
    assert notified["comment"]["id"] == comment["id"]
    assert notified["actors"][0]["id"] == str(commenter.id)
    # The post's author hears of the comment, not twice.
    assert await mentions_of(client, author) == []


async def test_a_private_authors_mention_notifies_only_who_may_see_it(client, user, captioned):
    author, follower, outsider = await user(), await user(), await user()
    await client.post(f"/users/{author.id}/follow", headers=follower.headers)
    await client.patch("/users/me", json={"is_private": True}, headers=author.headers)
    await captioned(author, f"@{follower.username} @{outsider.username}")
    assert len(await mentions_of(client, follower)) == 1
    assert await mentions_of(client, outsider) == []
