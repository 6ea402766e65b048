"""The Instagram avatar cache: fetched through the internal endpoint, served publicly."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from media.avatars.models import IgAvatar
from services.media.tests.factories import png
from services.media.tests.fakes.instagram_cdn import running_cdn


@pytest.fixture(scope="module")
async def cdn():
    async with running_cdn() as fake:
        yield fake


async def cache(client, internal, ig_user_id: str, url: str):
    return await client.put(
        f"/internal/ig-avatars/{ig_user_id}", headers=internal, json={"url": url}
    )


async def test_a_cached_avatar_is_served_and_not_refetched_while_fresh(client, internal, cdn):
    picture = png((150, 150), "orange")
    cdn.files["p/1001.png"] = (200, "image/png", picture)
    assert (await client.get("/media/ig-avatars/1001")).status_code == 404

    first = await cache(client, internal, "1001", cdn.url("p/1001.png"))
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["refreshed"] is True and body["content_type"] == "image/png"
    assert body["url"] == "http://media.test/media/ig-avatars/1001"

    served = await client.get("/media/ig-avatars/1001")
    assert served.status_code == 200 and served.content == picture
    assert served.headers["content-type"] == "image/png" and served.headers["etag"]
    conditional = await client.get(
        "/media/ig-avatars/1001", headers={"If-None-Match": served.headers["etag"]}
    )
    assert conditional.status_code == 304

    hits = len(cdn.hits)
    again = await cache(client, internal, "1001", cdn.url("p/1001.png"))
    assert again.json()["refreshed"] is False and len(cdn.hits) == hits


async def test_a_stale_avatar_is_refetched(client, internal, cdn, media_app):
    cdn.files["p/1002.png"] = (200, "image/png", png((40, 40), "black"))
    await cache(client, internal, "1002", cdn.url("p/1002.png"))
    async with media_app.state.sessionmaker() as session:
        old = datetime.now(UTC) - timedelta(days=2)
        await session.execute(
            update(IgAvatar).where(IgAvatar.ig_user_id == "1002").values(fetched_at=old)
        )
        await session.commit()
    newer = png((40, 40), "white")
    cdn.files["p/1002-new.png"] = (200, "image/png", newer)
    refreshed = await cache(client, internal, "1002", cdn.url("p/1002-new.png"))
    assert refreshed.json()["refreshed"] is True
    assert (await client.get("/media/ig-avatars/1002")).content == newer


@pytest.mark.parametrize(
    ("file", "status", "code"),
    [
        ((200, "image/jpeg", b"<html>login required</html>"), 415, "unsupported_media_type"),
        ((200, "image/png", b"\x89PNG" + b"\x00" * 300_000), 413, "file_too_large"),
        ((403, "text/plain", b"URL signature expired"), 502, "avatar_fetch_failed"),
    ],
    ids=["not-an-image", "too-big", "expired-link"],
)
async def test_bad_pictures_are_refused_and_nothing_cached(
    client, internal, cdn, file, status, code
):
    cdn.files["p/bad"] = file
    response = await cache(client, internal, "2001", cdn.url("p/bad"))
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert (await client.get("/media/ig-avatars/2001")).status_code == 404


async def test_signed_cdn_links_stay_out_of_errors_and_logs(client, internal, cdn, caplog):
    caplog.set_level(logging.INFO)  # the services' level
    response = await cache(client, internal, "3001", cdn.url("p/missing", signature="S3CRET-SIG"))
    assert response.status_code == 502
    assert "S3CRET-SIG" not in response.text
    assert "S3CRET-SIG" not in caplog.text


async def test_the_internal_endpoint_needs_the_service_token(client, cdn):
    url = cdn.url("p/1001.png")
    no_token = await client.put("/internal/ig-avatars/1", json={"url": url})
    wrong = await client.put(
        "/internal/ig-avatars/1", headers={"X-Internal-Token": "nope"}, json={"url": url}
    )
    assert (no_token.status_code, wrong.status_code) == (401, 403)
    bad_url = await client.put(
        "/internal/ig-avatars/1",
        headers={"X-Internal-Token": "test-internal-token"},
        json={"url": "file:///etc/passwd"},
    )
    assert bad_url.status_code == 422
