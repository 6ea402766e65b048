"""The post image sync: images of posts made before albums get their size and blurhash
from media."""

import io
import uuid

from PIL import Image
from sqlalchemy import update

from common.db import transaction
from social.models import PostImage
from social.posts.image_sync import ImageSync


def png(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "PNG")
    return buffer.getvalue()


async def test_an_image_without_size_or_blurhash_is_described_by_media(app, client, user, media):
    me = await user()
    files = {"image": ("p.png", png("khaki"), "image/png")}
    created = await client.post("/posts", files=files, headers=me.headers)
    assert created.status_code == 201, created.text
    post = created.json()
    expected = post["images"][0]
    sessionmaker = app.state.sessionmaker
    async with transaction(sessionmaker) as session:
        # As the migration left it: only the media id is known.
        await session.execute(
            update(PostImage)
            .where(PostImage.post_id == uuid.UUID(post["id"]))
            .values(width=None, height=None, blurhash=None)
        )
    bare = (await client.get(f"/posts/{post['id']}")).json()["images"][0]
    assert (bare["width"], bare["blurhash"]) == (None, None)

    sync = ImageSync(sessionmaker, app.state.media)
    while await sync.step():
        pass
    again = (await client.get(f"/posts/{post['id']}")).json()["images"][0]
    assert (again["width"], again["height"]) == (64, 48)
    assert again["blurhash"] == expected["blurhash"] and again["blurhash"]
