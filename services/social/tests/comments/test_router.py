"""Comments: 1–2200 characters, listed in order, deleted only by their author."""


async def test_comment_list_and_count(client, user, post_by):
    author, fan = await user(), await user()
    post_id = await post_by(author)
    for text in ("first", "second", "third"):
        response = await client.post(
            f"/posts/{post_id}/comments", json={"content": text}, headers=fan.headers
        )
        assert response.status_code == 201
    assert response.json()["author"]["username"] == fan.username
    page = (await client.get(f"/posts/{post_id}/comments", params={"limit": 2})).json()
    rest = (
        await client.get(f"/posts/{post_id}/comments", params={"cursor": page["next_cursor"]})
    ).json()
    assert [c["content"] for c in page["items"] + rest["items"]] == ["first", "second", "third"]
    assert rest["next_cursor"] is None
    assert (await client.get(f"/posts/{post_id}")).json()["comment_count"] == 3


async def test_content_must_be_1_to_2200_characters(client, user, post_by):
    author = await user()
    post_id = await post_by(author)
    for content in ("", "   ", "x" * 2201):
        response = await client.post(
            f"/posts/{post_id}/comments", json={"content": content}, headers=author.headers
        )
        assert response.status_code == 422, content
        assert response.json()["error"]["code"] == "validation_error"
    ok = await client.post(
        f"/posts/{post_id}/comments", json={"content": "x" * 2200}, headers=author.headers
    )
    assert ok.status_code == 201
    assert (await client.get(f"/posts/{post_id}")).json()["comment_count"] == 1


async def test_only_the_author_deletes_a_comment(client, user, post_by):
    author, fan = await user(), await user()
    post_id = await post_by(author)
    path = f"/posts/{post_id}/comments"
    comment = (await client.post(path, json={"content": "hi"}, headers=fan.headers)).json()
    refused = await client.delete(f"/comments/{comment['id']}", headers=author.headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_comment_author"
    assert (
        await client.delete(f"/comments/{comment['id']}", headers=fan.headers)
    ).status_code == 204
    assert (await client.get(f"/posts/{post_id}")).json()["comment_count"] == 0
    again = await client.delete(f"/comments/{comment['id']}", headers=fan.headers)
    assert again.status_code == 404


async def test_commenting_on_a_missing_post_is_404(client, user):
    fan = await user()
    response = await client.post(
        "/posts/not-a-post/comments", json={"content": "hi"}, headers=fan.headers
    )
    assert response.status_code == 404
