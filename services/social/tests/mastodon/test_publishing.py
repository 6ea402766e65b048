"""`Idempotency-Key`: a retried post within the hour answers the first status."""

import uuid


async def test_the_same_idempotency_key_answers_the_first_status(
    app, client, user, post_by, app_headers
):
    author, other = await user(), await user()
    post_id = await post_by(author)
    headers = {**app_headers(author), "Idempotency-Key": f"key-{uuid.uuid4()}"}
    body = {"status": "once", "in_reply_to_id": str(post_id)}
    first = await client.post("/api/v1/statuses", json=body, headers=headers)
    again = await client.post("/api/v1/statuses", json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert (await client.get(f"/posts/{post_id}")).json()["comment_count"] == 1
    # The key is the caller's: another user's same key, and another key, post anew.
    others = {**app_headers(other), "Idempotency-Key": headers["Idempotency-Key"]}
    theirs = await client.post("/api/v1/statuses", json=body, headers=others)
    fresh = await client.post(
        "/api/v1/statuses", json=body, headers={**headers, "Idempotency-Key": "another"}
    )
    assert len({first.json()["id"], theirs.json()["id"], fresh.json()["id"]}) == 3
    # Kept an hour, and not as the client sent it.
    keys = [key async for key in app.state.redis.scan_iter(f"mastodon:idempotency:{author.id}:*")]
    assert len(keys) == 2
    assert all(headers["Idempotency-Key"] not in key for key in keys)
    assert 3500 < await app.state.redis.ttl(keys[0]) <= 3600
    # A status deleted since does not answer the retry: it posts again.
    await client.delete(f"/api/v1/statuses/{first.json()['id']}", headers=headers)
    retried = await client.post("/api/v1/statuses", json=body, headers=headers)
    assert retried.json()["id"] != first.json()["id"]
