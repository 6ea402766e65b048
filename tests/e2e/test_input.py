"""Input Postgres can't store (NUL) and dates that aren't dates are a 422 from every
service, never a 500: bodies, multipart fields and query parameters alike."""

import io

import pytest
from PIL import Image

from tests.e2e.accounts import PASSWORD, bearer, register

NUL = "bad\x00text"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
async def account(gateway):
    body = await register(gateway, prefix="input")
    return body, bearer(body["access_token"])


def assert_refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in {f["field"] for f in error["fields"]}, error


async def test_nul_is_refused_in_every_text_field(gateway, account):
    body, headers = account
    created = await gateway.post(
        "/posts", data={"caption": "fine"}, files={"image": ("a.png", png(), "image/png")},
        headers=headers,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]

    login = await gateway.post("/auth/login", json={"username": NUL, "password": PASSWORD})
    assert_refused(login, "username")
    form_login = await gateway.post("/auth/login", data={"username": NUL, "password": PASSWORD})
    assert_refused(form_login, "username")
    assert_refused(
        await gateway.post(
            "/posts", data={"caption": NUL}, files={"image": ("b.png", png(), "image/png")},
            headers=headers,
        ),
        "caption",
    )  # fmt: skip
    media_id = created.json()["image_url"].split("/")[-2]
    assert_refused(
        await gateway.post("/posts", json={"media_id": media_id, "caption": NUL}, headers=headers),
        "caption",
    )
    assert_refused(
        await gateway.post(f"/posts/{post_id}/comments", json={"content": NUL}, headers=headers),
        "content",
    )
    assert_refused(await gateway.patch("/users/me", json={"bio": NUL}, headers=headers), "bio")
    assert_refused(await gateway.get("/users/search", params={"q": NUL}), "q")
    assert_refused(await gateway.get("/posts", params={"cursor": NUL}), "cursor")
    assert_refused(
        await gateway.get("/api/ig/analyses", params={"cursor": NUL}, headers=headers), "cursor"
    )
    assert_refused(
        await gateway.post("/api/images", json={"name": NUL, "gender": "female"}, headers=headers),
        "name",
    )
    # Nothing of it was stored: the post still has its first caption and no comment.
    post = (await gateway.get(f"/posts/{post_id}")).json()
    assert post["caption"] == "fine" and post["comment_count"] == 0
    assert body["user"]["id"]


async def test_a_date_is_a_yyyy_mm_dd_string(gateway, account):
    _, headers = account
    for birthday in (0, 1700000000, "1700000000", "2000-01-01T00:00:00", True):
        response = await gateway.put(
            "/users/me/profile", json={"birthday": birthday, "gender": "female"}, headers=headers
        )
        assert_refused(response, "birthday")
    ok = await gateway.put(
        "/users/me/profile", json={"birthday": "2000-02-29", "gender": "female"}, headers=headers
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["user"]["birthday"] == "2000-02-29"
