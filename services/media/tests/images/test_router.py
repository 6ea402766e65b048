"""POST/GET/DELETE /media on real Postgres and S3: what a user uploading photos notices."""

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from PIL import ExifTags

from common.db import transaction
from services.media.tests.factories import (
    jpeg_with_exif,
    noise_png,
    opened,
    png,
    png_declaring,
)
from social.posts import repository as posts
from social.profiles import repository as profiles


async def upload(client, headers, data: bytes, filename="photo.jpg", content_type="image/jpeg"):
    return await client.post(
        "/media", headers=headers, files={"file": (filename, data, content_type)}
    )


async def quota(client, headers) -> dict:
    response = await client.get("/media/quota", headers=headers)
    assert response.status_code == 200
    return response.json()


async def test_jpeg_is_stored_upright_with_exif_and_gps_for_the_owner_only(
    client, user, token_for, stored_keys
):
    owner_id, headers = user
    response = await upload(client, headers, jpeg_with_exif(size=(640, 480)))
    assert response.status_code == 201, response.text
    media = response.json()
    # Orientation 6: the 640×480 sensor image is viewed as 480×640.
    assert (media["width"], media["height"]) == (480, 640)
    assert media["content_type"] == "image/jpeg"
    assert media["owner_id"] == owner_id
    exif = media["exif"]
    assert exif["camera_make"] == "Canon" and exif["camera_model"] == "EOS R5"
    assert exif["lens"] == "RF50mm F1.8 STM"
    assert exif["iso"] == 400 and exif["exposure_time"] == pytest.approx(1 / 125)
    assert exif["f_number"] == pytest.approx(2.8) and exif["focal_length"] == 50
    assert exif["taken_at"] == "2024-05-01T14:30:00"
    assert exif["gps"]["lat"] == pytest.approx(37.56) and exif["gps"]["lon"] == pytest.approx(
        126.9778, abs=1e-3
    )
    original = f"http://media.test/media/{media['id']}/original?exp="
    assert media["urls"]["original"].startswith(original)  # a signed link

    stranger = (
        await client.get(f"/media/{media['id']}", headers=token_for(str(uuid.uuid4())))
    ).json()
    anonymous = (await client.get(f"/media/{media['id']}")).json()
    assert stranger["exif"]["gps"] is None and anonymous["exif"]["gps"] is None
    assert anonymous["exif"]["camera_make"] == "Canon"

    for size, side in (("small", 320), ("large", 1080)):
        thumb = await client.get(f"/media/{media['id']}/thumb?size={size}")
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
        image = opened(thumb.content)
        assert image.format == "WEBP"
        assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
        assert image.height > image.width and max(image.size) <= side  # upright
        # The left (blue) half of the sensor image is the top after rotating 90° clockwise.
        assert image.convert("RGB").getpixel((image.width // 2, 5))[2] > 200

    original = await client.get(f"/media/{media['id']}/original")
    assert original.status_code == 200 and original.headers["content-type"] == "image/jpeg"
    served = opened(original.content).getexif()
    assert ExifTags.IFD.GPSInfo not in served and not served.get_ifd(ExifTags.IFD.GPSInfo)
    assert served[ExifTags.Base.Make] == "Canon"  # only the location is removed
    assert served[ExifTags.Base.Orientation] == 6
    assert len(stored_keys(f"media/{owner_id}/{media['id']}/")) == 3


async def test_the_type_comes_from_the_bytes_not_the_name(client, user):
    response = await upload(client, user[1], png(), filename="cat.jpg", content_type="image/jpeg")
    assert response.status_code == 201
    assert response.json()["content_type"] == "image/png"
    original = await client.get(f"/media/{response.json()['id']}/original")
    assert original.headers["content-type"] == "image/png"


TRUNCATED_JPEG = jpeg_with_exif()[:-600]
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("data", "filename", "status", "code"),
    [
        (b"just some text, honestly", "notes.jpg", 415, "unsupported_media_type"),
        (SVG, "logo.svg", 415, "unsupported_media_type"),
        (b"<!doctype html><html><body>hi</body></html>", "page.jpg", 415, "unsupported_media_type"),
        (TRUNCATED_JPEG, "cut.jpg", 422, "corrupt_image"),
        (png_declaring(100_000, 100_000), "bomb.png", 413, "image_too_large"),
        (b"x" * (1024 * 1024 + 1), "huge.jpg", 413, "file_too_large"),
    ],
    ids=["text", "svg", "html", "truncated", "bomb", "too-big"],
)
async def test_bad_files_are_refused_and_nothing_is_stored(
    client, user, stored_keys, data, filename, status, code
):
    owner_id, headers = user
    response = await upload(client, headers, data, filename=filename)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert await quota(client, headers) == {"used_bytes": 0, "limit_bytes": 3 * 1024**2, "count": 0}
    assert stored_keys(f"media/{owner_id}/") == []


async def test_without_a_file_field_is_a_clear_422(client, user):
    response = await client.post("/media", headers=user[1], data={"caption": "hi"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "file_required"


async def test_uploading_needs_a_token(client):
    response = await upload(client, {}, png())
    assert response.status_code == 401


async def test_the_same_bytes_again_return_the_same_media_at_no_cost(client, user):
    data = noise_png((64, 64))
    first = await upload(client, user[1], data)
    used = await quota(client, user[1])
    again = await upload(client, user[1], data, filename="copy.png")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert await quota(client, user[1]) == used
    assert used["count"] == 1


async def test_concurrent_uploads_never_exceed_the_quota(client, user, stored_keys, media_app):
    owner_id, headers = user
    files = [noise_png() for _ in range(20)]  # ~150 KiB each, 3 MiB quota: not all fit
    responses = await asyncio.gather(*(upload(client, headers, f) for f in files))
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) >= 5 and statuses.count(413) >= 1, statuses
    assert set(statuses) == {201, 413}
    assert all(
        r.json()["error"]["code"] == "quota_exceeded" for r in responses if r.status_code == 413
    )
    usage = await quota(client, headers)
    assert usage["used_bytes"] <= usage["limit_bytes"]
    assert usage["count"] == statuses.count(201)
    # The quota counts exactly what is in the bucket: no leftovers of refused uploads.
    objects = media_app.state.objects
    listing = objects.client.list_objects(
        objects.bucket, prefix=f"media/{owner_id}/", recursive=True
    )
    assert sum(o.size for o in listing) == usage["used_bytes"]
    assert len(stored_keys(f"media/{owner_id}/")) == 3 * statuses.count(201)


async def test_only_the_owner_deletes_and_deleting_frees_quota_and_objects(
    client, user, token_for, stored_keys
):
    owner_id, headers = user
    media = (await upload(client, headers, png(color="navy"))).json()
    assert (await quota(client, headers))["count"] == 1

    other = await client.delete(f"/media/{media['id']}", headers=token_for(str(uuid.uuid4())))
    assert other.status_code == 403 and other.json()["error"]["code"] == "not_media_owner"

    response = await client.delete(f"/media/{media['id']}", headers=headers)
    assert response.status_code == 204
    assert await quota(client, headers) == {"used_bytes": 0, "limit_bytes": 3 * 1024**2, "count": 0}
    assert stored_keys(f"media/{owner_id}/") == []
    gone = await client.get(f"/media/{media['id']}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "media_not_found"


async def test_an_image_a_post_shows_cannot_be_deleted_from_under_it(client, user, social_app):
    owner_id, headers = user
    media = (await upload(client, headers, png(color="maroon"))).json()
    author = uuid.UUID(owner_id)
    async with transaction(social_app.state.sessionmaker) as session:
        await profiles.upsert_identity(
            session, user_id=author, username=f"m{author.hex[:8]}", asserted_at=datetime.now(UTC)
        )
        post = await posts.create(
            session, author_id=author, media_id=uuid.UUID(media["id"]), caption=""
        )

    refused = await client.delete(f"/media/{media['id']}", headers=headers)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "media_in_use"
    assert (await client.get(f"/media/{media['id']}/original")).status_code == 200

    async with transaction(social_app.state.sessionmaker) as session:
        await posts.delete_post(session, post)
    assert (await client.delete(f"/media/{media['id']}", headers=headers)).status_code == 204


async def test_internal_delete_needs_the_service_token(client, user, internal, stored_keys):
    owner_id, headers = user
    media = (await upload(client, headers, png(color="olive"))).json()
    path = f"/internal/media/{media['id']}"
    assert (await client.delete(path)).status_code == 401
    refused = await client.delete(path, headers={"X-Internal-Token": "guess"})
    assert refused.status_code == 403
    assert "guess" not in refused.text and "test-internal-token" not in refused.text
    assert (await client.delete(path, headers=internal)).status_code == 204
    assert stored_keys(f"media/{owner_id}/") == []
    assert (await quota(client, headers))["used_bytes"] == 0


async def test_images_are_served_with_validators_and_304(client, user):
    media = (await upload(client, user[1], png(color="teal"))).json()
    url = f"/media/{media['id']}/thumb?size=large"
    first = await client.get(url)
    assert first.headers["etag"] and "max-age" in first.headers["cache-control"]
    assert int(first.headers["content-length"]) == len(first.content)
    again = await client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    other = await client.get(f"/media/{media['id']}/original", headers={"If-None-Match": '"x"'})
    assert other.status_code == 200 and other.content == png(color="teal")


async def test_unknown_media_and_bad_sizes_are_clear_errors(client):
    assert (await client.get("/media/not-an-id")).json()["error"]["code"] == "media_not_found"
    missing = await client.get("/media/0193a5a4-0000-7000-8000-000000000000/original")
    assert missing.status_code == 404
    bad_size = await client.get("/media/0193a5a4-0000-7000-8000-000000000000/thumb?size=huge")
    assert bad_size.status_code in (404, 422)


async def test_a_person_pages_through_their_own_uploads_newest_first(client, user, token_for):
    _, headers = user
    ids = []
    for color in ("red", "green", "blue"):
        response = await upload(client, headers, png(color=color), filename="p.png")
        ids.append(response.json()["id"])
    await upload(client, token_for(str(uuid.uuid4())), png(color="black"), filename="p.png")

    first = (await client.get("/media?limit=2", headers=headers)).json()
    assert [m["id"] for m in first["items"]] == ids[:0:-1]
    assert first["items"][0]["exif"]["gps"] is None  # the owner's view, a PNG without EXIF
    rest = await client.get(f"/media?limit=2&cursor={first['next_cursor']}", headers=headers)
    assert [m["id"] for m in rest.json()["items"]] == ids[:1]
    assert rest.json()["next_cursor"] is None
    assert (await client.get("/media")).status_code == 401
