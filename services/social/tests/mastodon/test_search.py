"""Search as Mastodon answers it without a full-text index: statuses only by their URL,
accounts by name, the hashtag the query names."""


async def test_a_posts_url_finds_it_and_words_find_no_status(client, user, captioned, app_headers):
    author, stranger = await user(), await user()
    tag = f"found{author.id.hex[-8:]}"
    post_id = await captioned(author, f"a #{tag} photo")
    comment = await client.post(
        f"/posts/{post_id}/comments", json={"content": "ok"}, headers=stranger.headers
    )
    comment_id = comment.json()["id"]
    for query, expected in (
        (f"http://gateway.test/p/{post_id}", post_id),
        (f"http://gateway.test/users/{author.username}/statuses/{post_id}", post_id),
        (f"http://gateway.test/p/{post_id}#comment-{comment_id}", comment_id),
    ):
        found = await client.get("/api/v2/search", params={"q": query, "resolve": "true"})
        assert [s["id"] for s in found.json()["statuses"]] == [expected], query
        assert found.json()["accounts"] == []
    typed = await client.get(
        "/api/v2/search", params={"q": f"http://gateway.test/p/{post_id}", "type": "accounts"}
    )
    assert typed.json()["statuses"] == []
    for query in (f"#{tag}", tag, "a photo", f"http://elsewhere.test/p/{post_id}"):
        found = await client.get("/api/v2/search", params={"q": query, "type": "statuses"})
        assert found.json() == {"accounts": [], "statuses": [], "hashtags": []}, query
    hashtags = await client.get("/api/v2/search", params={"q": f"#{tag}"})
    assert [h["name"] for h in hashtags.json()["hashtags"]] == [tag]
    # A private account's post is found only by who may see it.
    await client.patch("/users/me", json={"is_private": True}, headers=author.headers)
    url = f"http://gateway.test/p/{post_id}"
    hidden = await client.get("/api/v2/search", params={"q": url}, headers=app_headers(stranger))
    assert hidden.json()["statuses"] == []
    own = await client.get("/api/v2/search", params={"q": url}, headers=app_headers(author))
    assert [s["visibility"] for s in own.json()["statuses"]] == ["private"]
