"""Reactions: exclusive, idempotent, removable, and counted exactly under concurrency."""

import asyncio


async def react(client, who, post_id, kind, method="POST"):
    response = await client.request(method, f"/posts/{post_id}/{kind}", headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_like_replaces_a_dislike_and_repeats_change_nothing(client, user, post_by):
    author, fan = await user(), await user()
    post_id = await post_by(author)
    for _ in range(2):
        post = await react(client, fan, post_id, "like")
    assert (post["like_count"], post["dislike_count"], post["viewer_reaction"]) == (1, 0, "like")
    post = await react(client, fan, post_id, "dislike")
    assert (post["like_count"], post["dislike_count"], post["viewer_reaction"]) == (
        0,
        1,
        "dislike",
    )
    # Removing a like the user does not have leaves the dislike alone.
    post = await react(client, fan, post_id, "like", method="DELETE")
    assert (post["dislike_count"], post["viewer_reaction"]) == (1, "dislike")
    post = await react(client, fan, post_id, "dislike", method="DELETE")
    assert (post["like_count"], post["dislike_count"], post["viewer_reaction"]) == (0, 0, None)


async def test_viewer_reaction_is_the_viewers_own(client, user, post_by):
    author, fan, other = await user(), await user(), await user()
    post_id = await post_by(author)
    await react(client, fan, post_id, "like")
    seen = (await client.get(f"/posts/{post_id}", headers=other.headers)).json()
    assert (seen["like_count"], seen["viewer_reaction"]) == (1, None)
    anonymous = (await client.get(f"/posts/{post_id}")).json()
    assert anonymous["viewer_reaction"] is None


async def test_100_parallel_likes_from_100_users_count_100(client, user, post_by):
    author = await user()
    post_id = await post_by(author)
    fans = await asyncio.gather(*(user() for _ in range(100)))
    responses = await asyncio.gather(
        *(client.post(f"/posts/{post_id}/like", headers=fan.headers) for fan in fans)
    )
    assert {r.status_code for r in responses} == {200}
    assert (await client.get(f"/posts/{post_id}")).json()["like_count"] == 100


async def test_one_user_racing_like_and_dislike_ends_with_one_reaction(client, user, post_by):
    author, fan = await user(), await user()
    post_id = await post_by(author)
    await asyncio.gather(
        *(
            client.post(f"/posts/{post_id}/{kind}", headers=fan.headers)
            for kind in ["like", "dislike"] * 10
        )
    )
    post = (await client.get(f"/posts/{post_id}", headers=fan.headers)).json()
    assert post["like_count"] + post["dislike_count"] == 1
    assert post[f"{post['viewer_reaction']}_count"] == 1


async def test_reacting_to_a_missing_post_is_404(client, user):
    fan = await user()
    response = await client.post("/posts/not-a-post/like", headers=fan.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "post_not_found"
