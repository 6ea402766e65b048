"""The sweeper on real Postgres and S3: what it reclaims, what it leaves alone, at a scale
past Postgres' 32,767 bind parameters, and one replica at a time."""

import uuid
from datetime import timedelta

from sqlalchemy import text

from common.db import transaction
from common.ids import new_id
from media.images import repository
from media.sweeper import sweep
from services.media.tests.factories import noise_png, png

# Negative: everything that exists now counts as old enough.
NOW_IS_OLD = timedelta(seconds=-5)
BULK_ROWS = 33_500


async def upload(client, headers, image: bytes, **params) -> dict:
    response = await client.post(
        "/media", files={"file": ("i.png", image, "image/png")}, params=params, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def used(client, headers) -> int:
    return (await client.get("/media/quota", headers=headers)).json()["used_bytes"]


async def test_young_orphans_stay_and_old_ones_go(media_app, stored_keys):
    objects, sessionmaker = media_app.state.objects, media_app.state.sessionmaker
    prefix = f"media/{uuid.uuid4()}/"
    orphan = f"{prefix}{new_id()}/original"
    await objects.put(orphan, b"left behind by a crash", "image/jpeg")
    # Young objects may belong to an upload about to commit: they are left alone.
    await sweep(sessionmaker=sessionmaker, objects=objects, grace=timedelta(hours=1))
    assert stored_keys(prefix) == [orphan]
    report = await sweep(sessionmaker=sessionmaker, objects=objects, grace=NOW_IS_OLD)
    assert report.swept
    assert stored_keys(prefix) == []


async def test_pending_and_lost_media_are_reclaimed_with_their_quota(
    media_app, client, user, internal, stored_keys
):
    objects, sessionmaker = media_app.state.objects, media_app.state.sessionmaker
    owner, headers = user
    kept = await upload(client, headers, png(color="navy"))
    attached = await upload(client, headers, png(color="teal"), pending="true")
    put = await client.put(f"/internal/media/{attached['id']}/attachment", headers=internal)
    assert put.status_code == 204
    abandoned = await upload(client, headers, png(color="olive"), pending="true")
    lost = await upload(client, headers, png(color="maroon"))
    abandoned_row, lost_row = [await _row(sessionmaker, m["id"]) for m in (abandoned, lost)]
    await objects.remove([lost_row.original_key])  # the bucket lost its original
    before = await used(client, headers)

    report = await sweep(sessionmaker=sessionmaker, objects=objects, grace=NOW_IS_OLD)

    assert report.pending_reclaimed >= 1
    assert report.rows_without_objects >= 1
    for gone in (abandoned, lost):
        assert (await client.get(f"/media/{gone['id']}")).status_code == 404
        assert stored_keys(f"media/{owner}/{gone['id']}/") == []
    for stays in (kept, attached):
        # As its owner: a post's image is not open to an unsigned link.
        served = await client.get(f"/media/{stays['id']}/original", headers=headers)
        assert served.status_code == 200
    # Reclaimed media no longer count against the owner's quota.
    freed = abandoned_row.stored_bytes + lost_row.stored_bytes
    assert await used(client, headers) == before - freed


async def test_past_32767_rows_a_sweep_compares_in_batches_and_keeps_every_young_row(
    media_app, stored_keys
):
    objects, sessionmaker = media_app.state.objects, media_app.state.sessionmaker
    owner = uuid.uuid4()
    # Rows without objects, but created "in the future": never old enough to reclaim.
    async with transaction(sessionmaker) as session:
        await session.execute(
            text(
                "INSERT INTO media (id, owner_id, sha256, content_type, width, height, bytes,"
                " stored_bytes, original_key, thumb_small_key, thumb_large_key, created_at)"
                " SELECT gen_random_uuid(), :owner, md5(n::text) || md5(n::text), 'image/png',"
                " 1, 1, 1, 1, 'k', 'k', 'k', now() + interval '1 day'"
                " FROM generate_series(1, :n) AS n"
            ),
            {"owner": owner, "n": BULK_ROWS},
        )
    orphan = f"media/{owner}/{new_id()}/original"
    await objects.put(orphan, b"orphan", "image/jpeg")

    report = await sweep(sessionmaker=sessionmaker, objects=objects, grace=NOW_IS_OLD)

    assert report.swept
    assert stored_keys(f"media/{owner}/") == []
    async with transaction(sessionmaker) as session:
        left = await session.scalar(
            text("SELECT count(*) FROM media WHERE owner_id = :owner"), {"owner": owner}
        )
        await session.execute(text("DELETE FROM media WHERE owner_id = :owner"), {"owner": owner})
    assert left == BULK_ROWS


async def test_a_media_whose_objects_straddle_two_pages_is_judged_whole(
    media_app, client, user, stored_keys
):
    objects, sessionmaker = media_app.state.objects, media_app.state.sessionmaker
    owner, headers = user
    media = [await upload(client, headers, noise_png()) for _ in range(2)]
    # Pages of two objects: every media's three objects span two pages.
    await sweep(sessionmaker=sessionmaker, objects=objects, grace=NOW_IS_OLD, page=2)
    for m in media:
        assert len(stored_keys(f"media/{owner}/{m['id']}/")) == 3
        assert (await client.get(f"/media/{m['id']}")).status_code == 200


async def test_one_replica_sweeps_at_a_time(media_app, stored_keys):
    objects, sessionmaker = media_app.state.objects, media_app.state.sessionmaker
    orphan = f"media/{uuid.uuid4()}/{new_id()}/original"
    await objects.put(orphan, b"orphan", "image/jpeg")
    async with transaction(sessionmaker) as other_replica:
        assert await repository.try_lock_sweep(other_replica)
        report = await sweep(sessionmaker=sessionmaker, objects=objects, grace=NOW_IS_OLD)
        assert not report.swept
        assert stored_keys(orphan) == [orphan]
    assert (await sweep(sessionmaker=sessionmaker, objects=objects, grace=NOW_IS_OLD)).swept
    assert stored_keys(orphan) == []


async def _row(sessionmaker, media_id: str):
    async with transaction(sessionmaker) as session:
        return await repository.get(session, uuid.UUID(media_id))
