"""POST /api/images against the fake AI service, working and misbehaving."""

import base64

import pytest

REQUEST = {"name": "Mina", "gender": "female", "feature": "smiling", "options": ["watercolor"]}


@pytest.fixture
def ai(ai_service):
    ai_service.mode = "ok"
    yield ai_service
    ai_service.mode = "ok"


async def test_the_ai_picture_is_stored_as_the_callers_media(client, user, ai):
    owner_id, headers = user
    response = await client.post("/api/images", headers=headers, json=REQUEST)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True and body["placeholder"] is False
    assert body["image"].startswith("data:image/png;base64,")
    assert ai.requests[-1] == REQUEST

    media = (await client.get(f"/media/{body['media_id']}")).json()
    assert media["owner_id"] == owner_id and media["content_type"] == "image/png"
    assert body["url"] == media["urls"]["original"]
    served = await client.get(f"/media/{body['media_id']}/original")
    assert served.content == base64.b64decode(body["image"].split(",", 1)[1])
    assert (await client.get("/media/quota", headers=headers)).json()["count"] == 1


@pytest.mark.parametrize("mode", ["down", "slow", "garbage"])
async def test_a_failing_ai_service_gives_a_placeholder(client, user, ai, mode):
    ai.mode = mode
    ai.slow_seconds = 3.0  # the service waits 1 s
    response = await client.post("/api/images", headers=user[1], json=REQUEST)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True and body["placeholder"] is True and body["url"] is None
    svg = base64.b64decode(body["image"].removeprefix("data:image/svg+xml;base64,"))
    assert b"<svg" in svg and b"Mina" in svg
    assert (await client.get("/media/quota", headers=user[1])).json()["count"] == 0


async def test_no_ai_service_configured_gives_a_placeholder(client, user, media_app):
    settings = media_app.state.settings
    media_app.state.settings = settings.model_copy(update={"ai_service_url": ""})
    try:
        response = await client.post(
            "/api/images", headers=user[1], json=REQUEST | {"name": "<script>x</script>"}
        )
    finally:
        media_app.state.settings = settings
    body = response.json()
    assert body["placeholder"] is True
    svg = base64.b64decode(body["image"].split(",", 1)[1])
    assert b"<script>" not in svg  # the name is text in the SVG, never markup


async def test_bad_requests_are_422(client, user):
    response = await client.post("/api/images", headers=user[1], json={"gender": "male"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
