"""A user.deleted event takes every object, row and byte of quota of the user out of media,
is reported done, and is harmless twice (a media service that was down when it came is
the e2e test's case)."""

import asyncio
import uuid

from sqlalchemy import text

from services.media.tests.factories import png


async def publish_deleted(app, user_id) -> None:
    await app.state.redis.xadd(
        app.state.settings.users_stream, {"type": "user.deleted", "user_id": user_id}
    )


async def reported_done(app, user_id, *, count=1) -> None:
    redis, stream = app.state.redis, app.state.settings.deletions_stream
    async with asyncio.timeout(10):
        while True:
            reports = [
                f
                for _, f in await redis.xrange(stream)
                if f["user_id"] == user_id and f["service"] == "media"
            ]
            if len(reports) >= count:
                return
            await asyncio.sleep(0.05)


async def upload(client, headers, color) -> dict:
    response = await client.post(
        "/media", headers=headers, files={"file": ("p.png", png(color=color), "image/png")}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_deleted_account_leaves_no_object_row_or_quota(
    media_app, client, user, token_for, stored_keys
):
    user_id, headers = user
    other_id = str(uuid.uuid4())
    await upload(client, headers, "red")
    await upload(client, headers, "blue")
    kept = await upload(client, token_for(other_id), "red")
    assert len(stored_keys(f"media/{user_id}/")) == 6

    await publish_deleted(media_app, user_id)
    await reported_done(media_app, user_id)

    assert stored_keys(f"media/{user_id}/") == []
    async with media_app.state.sessionmaker() as session:
        for query in (
            "SELECT count(*) FROM media WHERE owner_id = :id",
            "SELECT count(*) FROM media_usage WHERE owner_id = :id",
        ):
            assert await session.scalar(text(query), {"id": user_id}) == 0, query
    assert (await client.get(f"/media/{kept['id']}")).status_code == 200  # others' stay
    refused = await client.post(
        "/media", headers=headers, files={"file": ("p.png", png(color="green"), "image/png")}
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "account_deleted")

    await publish_deleted(media_app, user_id)  # a redelivery
    await reported_done(media_app, user_id, count=2)
