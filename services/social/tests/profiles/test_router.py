"""Profiles: there from a user's first request, public to all, edited only by their owner."""

from common.ids import new_id


async def test_a_first_request_creates_the_profile_from_the_token(client, token):
    user_id = new_id()
    headers = {"Authorization": f"Bearer {token(user_id, 'newcomer')}"}
    response = await client.get("/feed", headers=headers)
    assert response.status_code == 200
    profile = (await client.get(f"/users/{user_id}")).json()
    assert profile["username"] == "newcomer"
    assert (profile["posts_count"], profile["followers_count"], profile["following_count"]) == (
        0,
        0,
        0,
    )
    assert profile["is_following"] is False
    assert profile["avatar_url"] is None


async def test_a_rename_in_a_newer_token_wins_an_older_one_does_not(client, token):
    user_id = new_id()
    for name, issued_at in [("first", 1_000), ("renamed", 2_000), ("stale", 1_500)]:
        headers = {"Authorization": f"Bearer {token(user_id, name, iat=issued_at)}"}
        assert (await client.get("/feed", headers=headers)).status_code == 200
    assert (await client.get(f"/users/{user_id}")).json()["username"] == "renamed"


async def test_unknown_and_malformed_users_are_404(client):
    for user_id in (new_id(), "not-an-id"):
        response = await client.get(f"/users/{user_id}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "user_not_found"


async def test_a_bad_token_is_401_not_a_profile(client):
    response = await client.get("/feed", headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


async def test_bio_is_editable_up_to_150_characters(client, user):
    me = await user()
    response = await client.patch("/users/me", json={"bio": "b" * 150}, headers=me.headers)
    assert response.status_code == 200
    assert response.json()["bio"] == "b" * 150
    too_long = await client.patch("/users/me", json={"bio": "b" * 151}, headers=me.headers)
    assert too_long.status_code == 422
    assert too_long.json()["error"]["fields"][0]["field"] == "bio"
    assert (await client.get(f"/users/{me.id}")).json()["bio"] == "b" * 150


async def test_editing_needs_a_signed_in_user(client):
    response = await client.patch("/users/me", json={"bio": "hi"})
    assert response.status_code == 401


async def test_stats_count_posts_followers_and_likes_received(client, user, post_by):
    author, fan = await user(), await user()
    post_id = await post_by(author)
    await post_by(author)
    await client.post(f"/users/{author.id}/follow", headers=fan.headers)
    await client.post(f"/posts/{post_id}/like", headers=fan.headers)
    stats = (await client.get(f"/users/{author.id}/stats")).json()
    assert stats == {"posts": 2, "followers": 1, "following": 0, "likes_received": 1}
