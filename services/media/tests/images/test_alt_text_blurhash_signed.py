"""Alt text, blurhashes, and a post's image served only on a signed link or to its owner."""

import uuid
from urllib.parse import urlsplit

from common.db import transaction
from media.blurhash_backfill import BlurhashBackfill
from media.images.models import Media
from services.media.tests.factories import noise_png, png


async def upload(client, headers, data: bytes, **fields: str):
    return await client.post(
        "/media", headers=headers, data=fields, files={"file": ("p.png", data, "image/png")}
    )


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_an_upload_takes_alt_text_and_answers_with_a_blurhash(client, user, token_for):
    _, headers = user
    created = await upload(client, headers, noise_png(), description="A dog on a 🏖️ beach")
    assert created.status_code == 201, created.text
    media = created.json()
    assert media["description"] == "A dog on a 🏖️ beach"
    # 4×3 components: 1 + 1 + 4 + 2 × (4 × 3 − 1) = 28 characters.
    assert len(media["blurhash"]) == 28

    too_long = await upload(client, headers, png(color="navy"), description="x" * 1501)
    assert too_long.status_code == 422

    path = f"/media/{media['id']}"
    changed = await client.patch(path, json={"description": "A dog"}, headers=headers)
    assert changed.status_code == 200 and changed.json()["description"] == "A dog"
    other = token_for(str(uuid.uuid4()))
    refused = await client.patch(path, json={"description": "mine"}, headers=other)
    assert refused.status_code == 403
    assert (
        await client.patch(path, json={"description": "y" * 1501}, headers=headers)
    ).status_code == 422


async def test_a_post_image_is_served_on_a_signed_link_or_to_its_owner_only(
    client, user, internal, token_for
):
    _, headers = user
    media = (await upload(client, headers, png(color="plum"))).json()
    plain = f"/media/{media['id']}/original"
    assert (await client.get(plain)).status_code == 200  # not shown by a post: open
    attached = await client.put(f"/internal/media/{media['id']}/attachment", headers=internal)
    assert attached.status_code == 204

    stranger = token_for(str(uuid.uuid4()))
    for unsigned in (plain, f"/media/{media['id']}/thumb?size=small", f"/media/{media['id']}"):
        assert (await client.get(unsigned)).status_code == 404
        assert (await client.get(unsigned, headers=stranger)).status_code == 404
        assert (await client.get(unsigned, headers=headers)).status_code == 200
    for url in media["urls"].values():
        assert (await client.get(path_of(url))).status_code == 200
    small = path_of(media["urls"]["thumb_small"])
    assert (await client.get(small.replace("size=small", "size=large"))).status_code == 404
    forged = path_of(media["urls"]["original"])[:-4] + "0000"
    assert (await client.get(forged)).status_code == 404
    described = await client.get(f"/internal/media/{media['id']}", headers=internal)
    assert described.json()["owner_id"] == media["owner_id"]


async def test_the_backfill_gives_old_images_their_blurhash(client, user, media_app):
    _, headers = user
    media = (await upload(client, headers, png(color="salmon"))).json()
    sessionmaker = media_app.state.sessionmaker
    async with transaction(sessionmaker) as session:
        row = await session.get(Media, uuid.UUID(media["id"]))
        assert row is not None
        row.blurhash = None
    backfill = BlurhashBackfill(sessionmaker, media_app.state.objects, media_app.state.image_pool)
    while await backfill.step():
        pass
    again = (await client.get(f"/media/{media['id']}", headers=headers)).json()
    assert again["blurhash"] == media["blurhash"]
