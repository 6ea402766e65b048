"""A post's comments are its replies: statuses in reply to it, in its thread, readable and
deletable by their own id, written with `in_reply_to_id`, and hidden as the post is."""


async def test_a_reply_is_a_comment_in_the_posts_thread(client, user, post_by, app_headers):
    author, fan = await user(), await user()
    post_id = await post_by(author, "the photo")
    text = f"nice, @{author.username}"
    posted = await client.post(
        "/api/v1/statuses",
        json={"status": text, "in_reply_to_id": str(post_id)},
        headers=app_headers(fan),
    )
    assert posted.status_code == 200, posted.text
    reply = posted.json()
    assert (reply["in_reply_to_id"], reply["in_reply_to_account_id"]) == (
        str(post_id),
        str(author.id),
    )
    assert reply["account"]["id"] == str(fan.id)
    assert reply["mentions"][0]["id"] == str(author.id)
    assert reply["visibility"] == "public" and reply["media_attachments"] == []
    # The same comment the web app shows, and the post counts it.
    web = (await client.get(f"/posts/{post_id}/comments")).json()["items"]
    assert [c["id"] for c in web] == [reply["id"]]
    second = await client.post(
        "/api/v1/statuses",
        data={"status": "me too", "in_reply_to_id": reply["id"]},  # a reply to the reply
        headers=app_headers(author),
    )
    assert second.json()["in_reply_to_id"] == str(post_id)  # comments are flat

    context = (await client.get(f"/api/v1/statuses/{post_id}/context")).json()
    assert context["ancestors"] == []
    assert [s["id"] for s in context["descendants"]] == [reply["id"], second.json()["id"]]
    assert context["descendants"][0] == reply
    assert (await client.get(f"/api/v1/statuses/{post_id}")).json()["replies_count"] == 2
    assert (await client.get(f"/api/v1/statuses/{reply['id']}")).json() == reply
    of_reply = (await client.get(f"/api/v1/statuses/{reply['id']}/context")).json()
    assert [s["id"] for s in of_reply["ancestors"]] == [str(post_id)]
    assert of_reply["descendants"] == []

    # Only its author deletes it; the answer is it as it was.
    refused = await client.delete(f"/api/v1/statuses/{reply['id']}", headers=app_headers(author))
    assert refused.status_code == 403
    deleted = await client.delete(f"/api/v1/statuses/{reply['id']}", headers=app_headers(fan))
    assert (deleted.json()["id"], deleted.json()["text"]) == (reply["id"], text)
    assert (await client.get(f"/api/v1/statuses/{reply['id']}")).status_code == 404


async def test_a_reply_needs_text_no_media_and_a_visible_post(client, user, post_by, app_headers):
    author, stranger = await user(), await user()
    post_id = await post_by(author)
    headers = app_headers(stranger)
    for body in (
        {"status": "", "in_reply_to_id": str(post_id)},
        {"status": "x", "in_reply_to_id": str(post_id), "media_ids": [str(post_id)]},
    ):
        response = await client.post("/api/v1/statuses", json=body, headers=headers)
        assert response.status_code == 422, body
    await client.patch("/users/me", json={"is_private": True}, headers=author.headers)
    hidden = await client.post(
        "/api/v1/statuses", json={"status": "hi", "in_reply_to_id": str(post_id)}, headers=headers
    )
    assert hidden.status_code == 404
    assert "error" in hidden.json()


async def test_a_thread_hides_blocked_and_muted_people_and_keeps_the_posts_privacy(
    client, user, post_by, app_headers
):
    author, friend, pest, bore, viewer = [await user() for _ in range(5)]
    post_id = await post_by(author)
    for commenter in (friend, pest, bore):
        await client.post(
            f"/posts/{post_id}/comments", json={"content": "hello"}, headers=commenter.headers
        )
    await client.post(f"/users/{pest.id}/block", headers=viewer.headers)
    await client.post(f"/users/{bore.id}/mute", headers=viewer.headers)
    context = await client.get(f"/api/v1/statuses/{post_id}/context", headers=app_headers(viewer))
    assert [s["account"]["id"] for s in context.json()["descendants"]] == [str(friend.id)]
    everyone = (await client.get(f"/api/v1/statuses/{post_id}/context")).json()
    pest_reply = next(s for s in everyone["descendants"] if s["account"]["id"] == str(pest.id))
    blocked = await client.get(f"/api/v1/statuses/{pest_reply['id']}", headers=app_headers(viewer))
    assert blocked.status_code == 404

    # A private account's post: its replies are `private`, and hidden with it.
    await client.patch("/users/me", json={"is_private": True}, headers=author.headers)
    assert (await client.get(f"/api/v1/statuses/{post_id}/context")).status_code == 404
    assert (await client.get(f"/api/v1/statuses/{pest_reply['id']}")).status_code == 404
    own = await client.get(f"/api/v1/statuses/{post_id}/context", headers=app_headers(author))
    assert {s["visibility"] for s in own.json()["descendants"]} == {"private"}
