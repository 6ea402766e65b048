"""The caller's access token is forwarded to media and nowhere else: not into a log line
(even at DEBUG, even when media fails) and not into an error body."""

import logging

from stack.processes import free_port


async def test_tokens_never_reach_logs_or_error_bodies(
    app, client, user, post_by, caplog, monkeypatch
):
    caplog.set_level(logging.DEBUG)
    me = await user()
    token = me.headers["Authorization"].removeprefix("Bearer ")
    post_id = await post_by(me)
    monkeypatch.setattr(app.state.media.http, "base_url", f"http://127.0.0.1:{free_port()}")
    responses = [
        await client.delete(f"/posts/{post_id}", headers=me.headers),  # media down: logged
        await client.post(
            "/posts", json={"media_id": "00000000-0000-0000-0000-000000000000"}, headers=me.headers
        ),
        await client.get("/feed", headers={"Authorization": f"Bearer {token}x"}),  # bad: 401
    ]
    assert [r.status_code for r in responses] == [204, 503, 401]
    for response in responses:
        assert token not in response.text
    assert caplog.records  # the failures were logged...
    assert token not in caplog.text  # ...without the token
    assert token[-20:] not in caplog.text
