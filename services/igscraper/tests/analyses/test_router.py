"""The analyses API's rules: who may see what, what is refused, and what a cancel leaves."""

import pytest

from common.pagination import encode_cursor


async def test_no_token_is_401(client):
    response = await client.get("/api/ig/analyses")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"session_id": "not-a-session-cookie-SECRETVALUE"}, "invalid_session_id"),
        ({"session_id": "123%3Aabcdefgh%3A1", "csrf_token": "bad token!"}, "invalid_csrf_token"),
        ({"session_id": "123%3Aabcdefgh%3A1", "username": "no spaces"}, "validation_error"),
    ],
)
async def test_malformed_cookies_are_422_without_echoing_them(client, user, body, code):
    response = await client.post("/api/ig/analyses", json=body, headers=user)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert "SECRETVALUE" not in response.text
    assert (await client.get("/api/ig/analyses", headers=user)).json()["items"] == []


async def test_another_user_cannot_read_list_or_delete_an_analysis(
    client, worker, instagram, user, other_user, submit, finished
):
    me = instagram.add_account()
    instagram.follow_graph(me, followers=5, following=5, mutual=2)
    submitted = (await submit(user, me)).json()
    assert submitted["position_in_queue"] >= 1
    analysis_id = submitted["id"]
    await finished(user, analysis_id)

    for path in ("", "/users?group=fans", "/export.csv"):
        response = await client.get(f"/api/ig/analyses/{analysis_id}{path}", headers=other_user)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "analysis_not_found"
    assert (
        await client.delete(f"/api/ig/analyses/{analysis_id}", headers=other_user)
    ).status_code == 404
    assert (await client.get("/api/ig/analyses", headers=other_user)).json()["items"] == []
    changes = await client.get(f"/api/ig/accounts/{me.pk}/changes", headers=other_user)
    assert changes.status_code == 404

    mine = await client.get("/api/ig/analyses", headers=user)
    assert [a["id"] for a in mine.json()["items"]] == [analysis_id]
    assert (await client.delete(f"/api/ig/analyses/{analysis_id}", headers=user)).status_code == 204
    assert (await client.get(f"/api/ig/analyses/{analysis_id}", headers=user)).status_code == 404


async def test_cancelling_a_running_analysis_wipes_its_credential(
    client, worker, instagram, settings, user, submit, finished, redis
):
    me = instagram.add_account()
    instagram.follow_graph(me, followers=2000, following=10, mutual=5)
    instagram.faults.slow_seconds = 0.3
    analysis_id = (await submit(user, me)).json()["id"]
    await finished(user, analysis_id, statuses=("running",))

    assert (await client.delete(f"/api/ig/analyses/{analysis_id}", headers=user)).status_code == 204
    assert not await redis.exists(f"{settings.queue_name}:credentials:{analysis_id}")
    body = await finished(user, analysis_id)
    assert body["status"] == "cancelled"
    assert body["progress"]["followers_fetched"] < 2000


async def test_queue_reports_capacity(client):
    response = await client.get("/api/ig/queue")
    assert response.status_code == 200
    assert set(response.json()) == {"active", "max_concurrent", "queued"}
    assert response.json()["max_concurrent"] == 4


async def test_a_cursor_this_api_did_not_give_out_is_400_and_one_outside_its_alphabet_422(
    client, user
):
    # Well-formed, but the key of another list (a group's users are keyed by two strings).
    foreign = encode_cursor(("someone", "42"))
    response = await client.get("/api/ig/analyses", params={"cursor": foreign}, headers=user)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"
    response = await client.get("/api/ig/analyses", params={"cursor": "%%%"}, headers=user)
    assert response.status_code == 422
