"""The media deletion outbox: a post deleted while media is down still takes its image
along once media is back, and the service credential never reaches a log."""

import io
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, update

from social.models import MediaDeletion
from stack.processes import free_port
from tests.support.polling import eventually


@pytest.fixture
async def media_http(media):
    async with httpx.AsyncClient(base_url=media) as client:
        yield client


@pytest.fixture
def posted_image(client) -> Callable[..., Awaitable[tuple[str, uuid.UUID]]]:
    """`await posted_image(user, color)`: a post with a newly uploaded image, as
    (post id, media id)."""

    async def make(who, color: str) -> tuple[str, uuid.UUID]:
        buffer = io.BytesIO()
        Image.new("RGB", (32, 24), color).save(buffer, "PNG")
        files = {"image": ("photo.png", buffer.getvalue(), "image/png")}
        response = await client.post("/posts", files=files, headers=who.headers)
        assert response.status_code == 201, response.text
        post = response.json()
        return post["id"], uuid.UUID(post["image_url"].split("/")[-2])

    return make


async def outbox_row(app, media_id: uuid.UUID) -> MediaDeletion | None:
    async with app.state.sessionmaker() as session:
        return await session.get(MediaDeletion, media_id)


async def set_due(app, media_id: uuid.UUID, *, later: bool) -> None:
    when = func.now() + timedelta(hours=1) if later else func.now()
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(MediaDeletion)
            .where(MediaDeletion.media_id == media_id)
            .values(next_attempt_at=when)
        )


async def test_a_healthy_media_is_deleted_by_the_request_and_leaves_no_row(
    app, client, user, posted_image, media_http
):
    me = await user()
    post_id, media_id = await posted_image(me, "navy")
    assert (await client.delete(f"/posts/{post_id}", headers=me.headers)).status_code == 204
    assert (await media_http.get(f"/media/{media_id}", headers=me.headers)).status_code == 404
    assert await outbox_row(app, media_id) is None


async def test_media_down_at_delete_is_deleted_by_the_relay_once_back(
    app, client, user, posted_image, media_http, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    me = await user()
    post_id, media_id = await posted_image(me, "olive")
    monkeypatch.setattr(app.state.media.http, "base_url", f"http://127.0.0.1:{free_port()}")

    assert (await client.delete(f"/posts/{post_id}", headers=me.headers)).status_code == 204
    row = await outbox_row(app, media_id)
    assert row is not None and row.owner_id == me.id

    async def retried_while_down() -> bool:
        row = await outbox_row(app, media_id)
        return row is not None and row.attempts >= 2

    await eventually(retried_while_down)  # the relay keeps trying, backing off
    assert (await media_http.get(f"/media/{media_id}", headers=me.headers)).status_code == 200

    monkeypatch.undo()  # media is back

    async def relayed() -> bool:
        return await outbox_row(app, media_id) is None

    await eventually(relayed)
    assert (await media_http.get(f"/media/{media_id}", headers=me.headers)).status_code == 404
    assert any(r.name == "social.media_deletions.relay" for r in caplog.records)
    internal_token = app.state.settings.internal_token.get_secret_value()
    assert internal_token not in caplog.text
    assert me.headers["Authorization"].removeprefix("Bearer ") not in caplog.text


async def test_a_media_shown_again_before_the_relay_runs_is_kept(
    app, client, user, posted_image, media_http, monkeypatch
):
    me = await user()
    image_color = "maroon"
    first_id, media_id = await posted_image(me, image_color)
    monkeypatch.setattr(app.state.media.http, "base_url", f"http://127.0.0.1:{free_port()}")
    assert (await client.delete(f"/posts/{first_id}", headers=me.headers)).status_code == 204
    await set_due(app, media_id, later=True)  # the relay waits while the image comes back
    monkeypatch.undo()
    # The same image uploaded again: media deduplicates it into the queued media id.
    _, again = await posted_image(me, image_color)
    assert again == media_id
    await set_due(app, media_id, later=False)

    async def relayed() -> bool:
        return await outbox_row(app, media_id) is None

    await eventually(relayed)
    assert (await media_http.get(f"/media/{media_id}", headers=me.headers)).status_code == 200
