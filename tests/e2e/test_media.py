"""Media through the gateway, for users registered with auth: the issue's acceptance lines."""

import asyncio
import base64
import time

import httpx
import pytest
from PIL import ExifTags

from media.config import Settings as MediaSettings
from media.storage import create_client
from services.media.tests.factories import (
    jpeg_with_exif,
    noise_png,
    opened,
    png,
    png_declaring,
)
from stack.platform import Stack
from stack.processes import wait_for
from tests.e2e.accounts import bearer, register
from tests.fakes.ai_service import FakeAiService


@pytest.fixture
async def alice(gateway: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    body = await register(gateway)
    return body["user"]["id"], bearer(body["access_token"])


@pytest.fixture
def bucket_keys(platform: Stack, server_settings):
    """`bucket_keys(prefix)`: the keys really in the stack's media bucket."""
    env = platform.environment()
    client = create_client(
        MediaSettings(
            s3_endpoint=env["MEDIA_S3_ENDPOINT"],
            s3_access_key=env["MEDIA_S3_ACCESS_KEY"],
            s3_secret_key=env["MEDIA_S3_SECRET_KEY"],
        )
    )

    def keys(prefix: str) -> list[str]:
        listing = client.list_objects(env["MEDIA_S3_BUCKET"], prefix=prefix, recursive=True)
        return sorted(o.object_name for o in listing)

    return keys


async def upload(gateway, headers, data: bytes, filename="photo.jpg", content_type="image/jpeg"):
    files = {"file": (filename, data, content_type)}
    return await gateway.post("/media", headers=headers, files=files)


async def quota(gateway, headers) -> dict:
    return (await gateway.get("/media/quota", headers=headers)).json()


async def test_a_phone_photo_is_upright_with_exif_gps_for_its_owner_and_none_served(
    gateway, alice, bucket_keys
):
    owner_id, headers = alice
    response = await upload(gateway, headers, jpeg_with_exif(size=(800, 600)))
    assert response.status_code == 201, response.text
    media = response.json()
    assert (media["width"], media["height"]) == (600, 800)
    assert media["owner_id"] == owner_id and media["exif"]["camera_model"] == "EOS R5"
    assert media["exif"]["gps"]["lat"] == pytest.approx(37.56)
    assert media["urls"]["original"].startswith(f"{gateway.base_url}".rstrip("/"))

    public = (await gateway.get(f"/media/{media['id']}")).json()
    assert public["exif"]["gps"] is None and public["owner_id"] == owner_id
    for size in ("small", "large"):
        thumb = await gateway.get(f"/media/{media['id']}/thumb", params={"size": size})
        image = opened(thumb.content)
        assert image.format == "WEBP" and not image.getexif() and image.height > image.width
    original = await gateway.get(f"/media/{media['id']}/original")
    assert not opened(original.content).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    cached = await gateway.get(
        f"/media/{media['id']}/original", headers={"If-None-Match": original.headers["etag"]}
    )
    assert cached.status_code == 304
    assert len(bucket_keys(f"media/{owner_id}/")) == 3


async def test_the_bytes_decide_the_type_and_bad_files_leave_nothing(gateway, alice, bucket_keys):
    owner_id, headers = alice
    renamed = await upload(gateway, headers, png(), filename="cat.jpg")
    assert renamed.json()["content_type"] == "image/png"
    before = await quota(gateway, headers)
    refused = {
        "text": (b"plain text, not a photo", 415),
        "svg": (b'<svg xmlns="http://www.w3.org/2000/svg"/>', 415),
        "html": (b"<html><body>hello</body></html>", 415),
        "truncated": (jpeg_with_exif()[:-600], 422),
        "bomb": (png_declaring(100_000, 100_000), 413),
    }
    for name, (data, status) in refused.items():
        response = await upload(gateway, headers, data, filename=f"{name}.jpg")
        assert response.status_code == status, name
        assert response.json()["error"]["code"] and response.json()["error"]["request_id"]
    assert await quota(gateway, headers) == before
    assert len(bucket_keys(f"media/{owner_id}/")) == 3


async def test_twenty_concurrent_uploads_never_pass_the_quota(gateway, alice, bucket_keys):
    owner_id, headers = alice
    files = [noise_png((448, 448)) for _ in range(20)]  # ~600 KB each against 8 MiB
    responses = await asyncio.gather(*(upload(gateway, headers, f) for f in files))
    statuses = [r.status_code for r in responses]
    assert set(statuses) == {201, 413}, statuses
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 413} == {
        "quota_exceeded"
    }
    usage = await quota(gateway, headers)
    assert usage["used_bytes"] <= usage["limit_bytes"] == 8 * 1024 * 1024
    assert usage["count"] == statuses.count(201)
    assert len(bucket_keys(f"media/{owner_id}/")) == 3 * statuses.count(201)


async def test_only_the_owner_deletes_and_the_objects_go(gateway, alice, bucket_keys):
    owner_id, headers = alice
    media = (await upload(gateway, headers, png(color="maroon"))).json()
    bob = bearer((await register(gateway))["access_token"])
    refused = await gateway.delete(f"/media/{media['id']}", headers=bob)
    assert refused.status_code == 403
    assert (await gateway.delete(f"/media/{media['id']}", headers=headers)).status_code == 204
    assert await quota(gateway, headers) == {
        "used_bytes": 0,
        "limit_bytes": 8 * 1024 * 1024,
        "count": 0,
    }

    # Objects are deleted right after the commit, as the response leaves.
    def objects_gone() -> bool:
        return bucket_keys(f"media/{owner_id}/") == []

    await asyncio.to_thread(wait_for, objects_gone, timeout=10, what="objects deleted")


async def test_ai_images_are_stored_or_fall_back_to_a_placeholder(
    gateway, alice, ai_service: FakeAiService
):
    request = {"name": "Jun", "gender": "male", "options": ["anime"]}
    ai_service.mode = "ok"
    made = (await gateway.post("/api/images", headers=alice[1], json=request)).json()
    assert made["ok"] is True and made["placeholder"] is False
    served = await gateway.get(made["url"].removeprefix(str(gateway.base_url).rstrip("/")))
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert served.content == base64.b64decode(made["image"].split(",", 1)[1])

    ai_service.mode = "down"
    try:
        started = time.monotonic()
        fallback = (await gateway.post("/api/images", headers=alice[1], json=request)).json()
    finally:
        ai_service.mode = "ok"
    assert fallback["ok"] is True and fallback["placeholder"] is True
    assert fallback["image"].startswith("data:image/svg+xml;base64,")
    assert time.monotonic() - started < 5
