"""POST /internal/remote-media: another server's image kept here for a remote profile,
like an upload (thumbnails, blurhash, no GPS), never limited by a quota, fetched once."""

import uuid

import pytest
from PIL import ExifTags
from sqlalchemy import func, select, update

from media.images.models import Media
from media.quota.models import MediaUsage
from services.media.tests.factories import jpeg_with_exif, noise_png, opened, png
from services.media.tests.fakes.instagram_cdn import FakeCdn, running_cdn
from stack.processes import free_port


@pytest.fixture(scope="module")
async def remote():
    """Another server's files (the CDN fake serves any path we give it)."""
    async with running_cdn() as fake:
        yield fake


async def store(client, internal, url: str, owner_id: str | None = None):
    body = {"url": url, "owner_id": owner_id or str(uuid.uuid4())}
    return await client.post("/internal/remote-media", headers=internal, json=body)


async def rows_of(media_app, owner_id: str) -> int:
    async with media_app.state.sessionmaker() as session:
        query = select(func.count()).select_from(Media).where(Media.owner_id == uuid.UUID(owner_id))
        return int(await session.scalar(query) or 0)


async def test_a_remote_png_is_stored_like_an_upload(client, internal, remote, stored_keys):
    remote.files["a/1.png"] = (200, "image/png", png((120, 80), "purple"))
    owner_id = str(uuid.uuid4())
    response = await store(client, internal, remote.url("a/1.png"), owner_id)
    assert response.status_code == 201, response.text
    media = response.json()
    assert media.keys() == {"id", "width", "height", "blurhash", "media_type"}
    assert (media["width"], media["height"], media["media_type"]) == (120, 80, "image/png")
    assert 6 <= len(media["blurhash"]) <= 164

    stored = (await client.get(f"/internal/media/{media['id']}", headers=internal)).json()
    assert stored["owner_id"] == owner_id
    assert stored_keys(f"media/{owner_id}/") == [
        f"media/{owner_id}/{media['id']}/{variant}"
        for variant in ("original", "thumb_large.webp", "thumb_small.webp")
    ]


async def test_a_remote_jpeg_loses_its_location(client, internal, remote):
    remote.files["a/gps.jpg"] = (200, "application/octet-stream", jpeg_with_exif())
    response = await store(client, internal, remote.url("a/gps.jpg"))
    assert response.status_code == 201, response.text
    # The type comes from the bytes, whatever the remote called them.
    assert response.json()["media_type"] == "image/jpeg"
    original = await client.get(f"/media/{response.json()['id']}/original")
    assert original.status_code == 200
    assert not opened(original.content).getexif().get_ifd(ExifTags.IFD.GPSInfo)


async def test_the_same_url_for_the_same_owner_is_fetched_once(client, internal, remote):
    remote.files["a/again.png"] = (200, "image/png", png((30, 30), "navy"))
    url, owner_id = remote.url("a/again.png"), str(uuid.uuid4())
    first = await store(client, internal, url, owner_id)
    hits = len(remote.hits)
    again = await store(client, internal, url, owner_id)
    assert again.status_code == 200 and again.json() == first.json()
    assert len(remote.hits) == hits
    # Another remote profile showing the same image gets its own.
    other = await store(client, internal, url)
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


async def test_no_quota_limits_a_remote_profile(client, internal, remote, media_app):
    owner_id = str(uuid.uuid4())
    remote.files["a/first.png"] = (200, "image/png", noise_png())
    assert (await store(client, internal, remote.url("a/first.png"), owner_id)).status_code == 201
    async with media_app.state.sessionmaker() as session:
        quota = media_app.state.settings.quota_bytes
        await session.execute(
            update(MediaUsage)
            .where(MediaUsage.owner_id == uuid.UUID(owner_id))
            .values(used_bytes=quota)
        )
        await session.commit()
    remote.files["a/second.png"] = (200, "image/png", noise_png())
    response = await store(client, internal, remote.url("a/second.png"), owner_id)
    assert response.status_code == 201, response.text
    async with media_app.state.sessionmaker() as session:
        usage = await session.get(MediaUsage, uuid.UUID(owner_id))
        assert usage is not None and usage.used_bytes > quota and usage.media_count == 2


@pytest.mark.parametrize(
    ("file", "status", "code"),
    [
        ((200, "image/png", b"<html>not an image</html>"), 422, "unsupported_media_type"),
        ((200, "image/png", noise_png((40, 40))[:2000]), 422, "corrupt_image"),
        ((200, "image/png", png((2, 2)) + b"\x00" * 5000), 422, "remote_too_large"),
        ((404, "text/plain", b"gone"), 502, "remote_failed"),
    ],
    ids=["not-an-image", "corrupt", "too-big", "missing"],
)
async def test_what_the_remote_serves_badly_is_refused_and_nothing_stored(
    client, internal, remote, media_app, monkeypatch, file, status, code
):
    monkeypatch.setattr(media_app.state.settings, "remote_media_max_bytes", 4096)
    remote.files["a/bad"] = file
    owner_id = str(uuid.uuid4())
    response = await store(client, internal, remote.url("a/bad"), owner_id)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert await rows_of(media_app, owner_id) == 0


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("ftp://127.0.0.1/a.png", 422, "remote_refused"),
        ("not a url", 422, "remote_refused"),
        (f"http://127.0.0.1:{free_port()}/a.png", 502, "remote_failed"),
        ("http://x/" + "a" * 2100, 422, "validation_error"),
    ],
    ids=["scheme", "garbage", "server-down", "too-long"],
)
async def test_bad_urls_are_refused(client, internal, url, status, code):
    response = await store(client, internal, url)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


async def test_private_peers_are_refused_unless_allowed(
    client, internal, remote: FakeCdn, media_app, monkeypatch
):
    monkeypatch.setattr(media_app.state.settings, "federation_allow_private_peers", False)
    remote.files["a/lan.png"] = (200, "image/png", png())
    for url in (remote.url("a/lan.png"), f"https://127.0.0.1:{remote.port}/a/lan.png"):
        response = await store(client, internal, url)
        assert response.status_code == 422 and response.json()["error"]["code"] == "remote_refused"


async def test_only_services_may_ask(client, remote):
    response = await client.post(
        "/internal/remote-media", json={"url": remote.url("a"), "owner_id": str(uuid.uuid4())}
    )
    assert response.status_code == 401
