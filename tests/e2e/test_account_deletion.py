"""Deleting an account reaches every service, even one that was down when it was asked:
checked directly in the four databases, S3 and Redis, and in every other user's counters."""

import asyncio
import contextlib
import time
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from minio import Minio
from redis.asyncio import Redis

from stack.platform import SERVICES, Stack
from tests.e2e.accounts import PASSWORD, bearer, png, register, signed_up
from tests.e2e.test_igscraper import poll, submit
from tests.e2e.test_social import post_image
from tests.fakes.instagram import FakeInstagram
from tests.support.polling import eventually

# Tables that keep a deleted user's id, and nothing else, while its access tokens can
# still be presented (common.deleted_users); they forget it after the tokens' lifetime.
TOMBSTONES = "deleted_user"
# The gateway's per-user request counters: a number per minute window, gone with it.
RATE_LIMIT_COUNTERS = b"gateway:ratelimit:"


async def deletion_status(gateway, headers) -> dict:
    response = await gateway.get("/auth/me/deletion", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def until(check, timeout: float) -> float:
    """Seconds it took `check` to hold (TimeoutError after `timeout`)."""
    started = time.monotonic()
    async with asyncio.timeout(timeout):
        # Polls other processes' state: nothing in this one to await.
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return time.monotonic() - started


async def rows_mentioning(platform: Stack, needles: list[str]) -> dict[str, int]:
    """Rows of every table of the four databases whose text holds any of the needles."""
    patterns = [f"%{needle}%" for needle in needles]
    found = {}
    for service in SERVICES:
        url = urlsplit(platform.database_url(service))._replace(scheme="postgresql").geturl()
        conn = await asyncpg.connect(url)
        try:
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename NOT IN ('alembic_version', $1)",
                TOMBSTONES,
            )
            for (table,) in tables:
                count = await conn.fetchval(
                    f'SELECT count(*) FROM "{table}" row WHERE row::text ILIKE ANY($1)',  # noqa: S608
                    patterns,
                )
                if count:
                    found[f"{service}.{table}"] = count
        finally:
            await conn.close()
    return found


async def tombstones(platform: Stack, user_id: str) -> dict[str, list[str]]:
    columns = {}
    for service in ("social", "media", "igscraper"):
        url = urlsplit(platform.database_url(service))._replace(scheme="postgresql").geturl()
        conn = await asyncpg.connect(url)
        try:
            row = await conn.fetchrow(f"SELECT * FROM {TOMBSTONES} WHERE user_id = $1", user_id)  # noqa: S608
            columns[service] = sorted(row.keys()) if row else []
        finally:
            await conn.close()
    return columns


async def redis_mentions(url: str, needles: list[str]) -> list[bytes]:
    """Keys whose name or value (any type) holds a needle."""
    wanted = [needle.encode() for needle in needles]
    redis = Redis.from_url(url)
    hits = []
    try:
        async for key in redis.scan_iter(count=1000):
            if key.startswith(RATE_LIMIT_COUNTERS):
                continue
            kind = await redis.type(key)
            values: list[bytes] = [key]
            if kind == b"string":
                values.append(await redis.get(key) or b"")
            elif kind == b"hash":
                values += [v for kv in (await redis.hgetall(key)).items() for v in kv]
            elif kind == b"zset":
                values += await redis.zrange(key, 0, -1)
            elif kind == b"set":
                values += await redis.smembers(key)
            elif kind == b"list":
                values += await redis.lrange(key, 0, -1)
            elif kind == b"stream":
                for _, fields in await redis.xrange(key):
                    values += [v for kv in fields.items() for v in kv]
            if any(needle in value for needle in wanted for value in values):
                hits.append(key)
    finally:
        await redis.aclose()
    return hits


def s3_keys_mentioning(platform: Stack, needle: str) -> list[str]:
    endpoint = urlsplit(platform.servers["s3"].url)
    client = Minio(
        endpoint.netloc,
        access_key=platform.settings.s3_access_key,
        secret_key=platform.settings.s3_secret_key,
        secure=False,
    )
    bucket = platform.environment()["MEDIA_S3_BUCKET"]
    return [
        o.object_name
        for o in client.list_objects(bucket, recursive=True)
        if o.object_name and needle in o.object_name
    ]


@pytest.mark.timeout(240)
async def test_a_deletion_asked_while_media_is_down_is_complete_within_5_s_of_its_return(
    gateway: httpx.AsyncClient, platform: Stack, instagram: FakeInstagram
):
    registered = await register(gateway, prefix="gone")
    gone, headers = registered["user"], bearer(registered["access_token"])
    b, b_headers = await signed_up(gateway)
    c, c_headers = await signed_up(gateway)

    # Their life on the platform: posts, an avatar, likes, comments, follows both ways...
    gone_posts = [
        (await post_image(gateway, headers, color=color)).json()["id"] for color in ("red", "tan")
    ]
    avatar = await gateway.post(
        "/media", files={"file": ("me.png", png("white"), "image/png")}, headers=headers
    )
    assert avatar.status_code == 201, avatar.text
    patched = await gateway.patch(
        "/users/me", json={"avatar_media_id": avatar.json()["id"]}, headers=headers
    )
    assert patched.status_code == 200, patched.text
    b_post = (await post_image(gateway, b_headers, color="blue")).json()["id"]
    for who in (headers, c_headers):
        assert (await gateway.post(f"/posts/{b_post}/like", headers=who)).status_code == 200
    for who, text in ((headers, "one"), (headers, "two"), (c_headers, "three")):
        comment = await gateway.post(
            f"/posts/{b_post}/comments", json={"content": text}, headers=who
        )
        assert comment.status_code == 201
    await gateway.post(f"/posts/{gone_posts[0]}/like", headers=b_headers)
    await gateway.post(
        f"/posts/{gone_posts[0]}/comments", json={"content": "hi"}, headers=c_headers
    )
    for followee in (b, c):
        await gateway.post(f"/users/{followee['id']}/follow", headers=headers)
    await gateway.post(f"/users/{gone['id']}/follow", headers=b_headers)
    # ...and a finished Instagram analysis.
    account = instagram.add_account()
    instagram.follow_graph(account, followers=30, following=20, mutual=10)
    submitted, _ = await submit(gateway, headers, instagram, account)
    analysis_id = submitted.json()["id"]
    finished = await poll(gateway, headers, analysis_id, lambda a: a["status"] == "completed")
    assert finished["result"]["stats"]["mutual_count"] == 10
    needles = [gone["id"], gone["username"], gone["email"], analysis_id, *gone_posts]
    assert await rows_mentioning(platform, needles)  # the check sees them while they exist

    platform.processes["media"].stop()
    try:
        refused = await gateway.request("DELETE", "/auth/me", json={}, headers=headers)
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "wrong_password")
        asked = await gateway.request(
            "DELETE", "/auth/me", json={"password": PASSWORD}, headers=headers
        )
        assert asked.status_code == 202, asked.text
        refreshed = await gateway.post(
            "/auth/refresh", json={"refresh_token": registered["refresh_token"]}
        )
        assert refreshed.status_code == 401  # every session ended at once

        async def all_but_media() -> bool:
            services = (await deletion_status(gateway, headers))["services"]
            return services == {"social": "done", "media": "pending", "igscraper": "done"}

        await until(all_but_media, timeout=30)
        # Social is done: every other user's counters are exact already.
        post = (await gateway.get(f"/posts/{b_post}")).json()
        assert (post["like_count"], post["comment_count"]) == (1, 1)
        for other, followers, following in ((b, 0, 0), (c, 0, 0)):
            profile = (await gateway.get(f"/users/{other['id']}")).json()
            assert (profile["followers_count"], profile["following_count"]) == (
                followers,
                following,
            )
        assert (await gateway.get(f"/users/{b['id']}/stats")).json()["likes_received"] == 1
        assert (await gateway.get(f"/users/{gone['id']}")).status_code == 404
    finally:
        platform.restart("media")  # returns once media's /health answers 200

    async def done() -> bool:
        return (await deletion_status(gateway, headers))["done"]

    took = await until(done, timeout=5)
    assert (await deletion_status(gateway, headers))["services"] == dict.fromkeys(
        ("social", "media", "igscraper"), "done"
    )

    # Federation hears of it from social's outbox, a moment after social's part is done.
    async def forgotten() -> bool:
        return await rows_mentioning(platform, needles) == {}

    with contextlib.suppress(TimeoutError):
        await eventually(forgotten, timeout=5)
    assert await rows_mentioning(platform, needles) == {}
    assert await tombstones(platform, gone["id"]) == {
        service: ["forget_at", "user_id"] for service in ("social", "media", "igscraper")
    }
    assert s3_keys_mentioning(platform, gone["id"]) == []
    assert await redis_mentions(platform.servers["redis"].url, needles) == []
    print(f"deletion complete {took:.2f} s after media's return")

    # The deleted account's still-unexpired token is refused where it would write.
    for method, path in (("GET", "/auth/me"), ("GET", "/feed"), ("POST", "/media")):
        response = await gateway.request(method, path, headers=headers)
        assert response.status_code == 401, (path, response.text)
