"""The worker as a real `arq` process: SIGKILLed mid-analysis, restarted, and the job
still ends exact; the Instagram session id never shows up in logs, Postgres or Redis."""

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from igscraper.main import create_app
from igscraper.worker import Worker, worker_options
from stack.servers import start_redis
from tests.support.igscraper_worker import start_worker
from tests.support.polling import eventually


async def redis_values(redis: Redis) -> list[bytes]:
    """Every key and value in the Redis database, whatever its type."""
    found: list[bytes] = []
    async for key in redis.scan_iter(count=1000):
        found.append(key)
        kind = (await redis.type(key)).decode()
        if kind == "string":
            found.append(await redis.get(key) or b"")
        elif kind == "hash":
            found += [b for kv in (await redis.hgetall(key)).items() for b in kv]
        elif kind == "list":
            found += await redis.lrange(key, 0, -1)
        elif kind == "set":
            found += list(await redis.smembers(key))
        elif kind == "zset":
            found += await redis.zrange(key, 0, -1)
        elif kind == "stream":
            found += [
                b for _, fields in await redis.xrange(key) for kv in fields.items() for b in kv
            ]
    return found


async def database_dump(database_url: str) -> str:
    """Every row of every table of the igscraper database, as text."""
    conn = await asyncpg.connect(urlsplit(database_url)._replace(scheme="postgresql").geturl())
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        rows = []
        for (table,) in tables:
            # Table names come from the catalogue, not from input.
            query = f'SELECT t::text FROM "{table}" t'  # noqa: S608
            rows += [r[0] for r in await conn.fetch(query)]
        return "\n".join(rows)
    finally:
        await conn.close()


ACTIVE = ("queued", "running")


async def poll(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    done: Callable[[dict[str, Any]], bool],
    timeout: float = 30,
) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            body = (await client.get(url, headers=headers)).json()
            if done(body):
                return body
            await asyncio.sleep(0.05)


@pytest.mark.timeout(120)
async def test_a_sigkilled_worker_resumes_exactly_and_the_session_never_leaks(
    settings, client_for, instagram, redis, user, tmp_path, capfd
):
    settings = settings.model_copy(
        update={"queue_name": settings.queue_name + "-process", "step_timeout_seconds": 4}
    )
    me = instagram.add_account()
    instagram.follow_graph(me, followers=2000, following=1500, mutual=600)
    instagram.faults.slow_seconds = 0.15
    session_id, csrf = instagram.session_for(me)
    secrets = [session_id.encode(), unquote(session_id).encode(), csrf.encode()]

    first = start_worker(settings, tmp_path / "worker-1.log")
    second = None
    try:
        async with client_for(create_app(settings)) as client:
            submitted = await client.post(
                "/api/ig/analyses",
                json={"session_id": session_id, "csrf_token": csrf},
                headers=user,
            )
            analysis_id = submitted.json()["id"]
            url = f"/api/ig/analyses/{analysis_id}"
            await poll(client, url, user, lambda b: b["progress"]["followers_fetched"] >= 600)
            first.kill()
            values = await redis_values(redis)  # mid-run: the encrypted credential is there
            assert not [v for v in values for s in secrets if s in v]

            second = start_worker(settings, tmp_path / "worker-2.log")
            body = await poll(client, url, user, lambda b: b["status"] not in ACTIVE, 60)
    finally:
        first.kill()
        if second is not None:
            second.stop()

    assert body["status"] == "completed", body
    assert body["progress"]["followers_fetched"] == 2000
    assert body["progress"]["following_fetched"] == 1500
    assert body["result"]["stats"]["mutual_count"] == 600
    assert body["result"]["stats"]["fans_count"] == 1400
    assert body["result"]["stats"]["not_following_back_count"] == 900
    # The second worker really took over a step the first one had started.
    assert "run_analysis_step" in (tmp_path / "worker-2.log").read_text()

    logs = (
        (tmp_path / "worker-1.log").read_bytes()
        + (tmp_path / "worker-2.log").read_bytes()
        + "".join(capfd.readouterr()).encode()
    )
    dump = (await database_dump(settings.database_url)).encode()
    values = await redis_values(redis)
    for secret in secrets:
        assert secret not in logs
        assert secret not in dump
        assert not [v for v in values if secret in v]


async def test_a_worker_started_before_its_database_exists_migrates_it_before_its_crons(
    settings, fresh_database
):
    """Compose starts the worker beside the API on a fresh volume: its startup cron must
    find the database and tables there, whichever of the two came up first."""
    url = await fresh_database("test_igscraper_worker_first")
    fresh = settings.model_copy(update={"database_url": url, "queue_name": "test-first:queue"})
    worker = Worker(**worker_options(fresh), handle_signals=False)
    task = asyncio.create_task(worker.async_run())
    try:
        async with asyncio.timeout(30):
            while "deps" not in worker.ctx:  # noqa: ASYNC110 (filled by ARQ's on_startup)
                await asyncio.sleep(0.01)
        conn = await asyncpg.connect(urlsplit(url)._replace(scheme="postgresql").geturl())
        try:
            assert await conn.fetchval("SELECT count(*) FROM analysis") == 0
        finally:
            await conn.close()
    finally:
        try:
            await worker.close()
        finally:
            task.cancel()  # even when closing failed: a worker left running outlives the test


@pytest.mark.timeout(180)
async def test_the_worker_stays_up_through_a_redis_outage_and_finishes_exactly(
    settings, client_for, instagram, user, tmp_path
):
    # A Redis of this test's own: stopping it disturbs no other test.
    redis_server = start_redis(tmp_path / "servers")
    settings = settings.model_copy(
        update={
            "redis_url": redis_server.url,
            "queue_name": settings.queue_name + "-outage",
            # Room for a step on a busy machine; a step the outage cut short runs again
            # once its in-progress key lapses (timeout + 10 s).
            "step_timeout_seconds": 10,
        }
    )
    me = instagram.add_account()
    instagram.follow_graph(me, followers=1500, following=1000, mutual=400)
    instagram.faults.slow_seconds = 0.1
    session_id, csrf = instagram.session_for(me)
    log = tmp_path / "worker.log"
    worker = start_worker(settings, log)
    try:
        async with client_for(create_app(settings)) as client:
            submitted = await client.post(
                "/api/ig/analyses",
                json={"session_id": session_id, "csrf_token": csrf},
                headers=user,
            )
            url = f"/api/ig/analyses/{submitted.json()['id']}"
            # A worker process starting on a busy machine can take a while.
            await poll(client, url, user, lambda b: b["progress"]["followers_fetched"] >= 400, 90)

            redis_server.stop()
            await eventually(lambda: _contains(log, "Redis connection failing"), timeout=20)
            redis_server.process.start()  # same port, same append-only file
            await eventually(lambda: _contains(log, "Redis connection recovered"), timeout=30)
            body = await poll(client, url, user, lambda b: b["status"] not in ACTIVE, 90)
            assert worker.alive(), "the worker exited during the outage"
    finally:
        worker.stop()
        redis_server.stop()

    assert body["status"] == "completed", body
    assert body["progress"]["followers_fetched"] == 1500
    assert body["progress"]["following_fetched"] == 1000
    assert body["result"]["stats"]["mutual_count"] == 400
    # One line for the outage and one for its end, not one per failed poll.
    text = log.read_text()
    assert text.count("Redis connection failing") == 1
    assert text.count("Redis connection recovered") == 1


async def _contains(path: Path, needle: str) -> bool:
    return needle in await asyncio.to_thread(_text, path)


def _text(path: Path) -> str:
    return path.read_text() if path.exists() else ""
