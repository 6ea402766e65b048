"""Instagram analyses through the gateway, on the stack's real worker process and media."""

import asyncio
import csv
import io
import json
import time
import uuid
from collections.abc import Callable
from itertools import pairwise
from typing import Any
from urllib.parse import unquote, urlsplit

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from stack.platform import SERVICES, WORKER, Stack
from tests.e2e.accounts import bearer, register
from tests.fakes.instagram import FakeInstagram
from tests.support.polling import eventually
from tests.support.sse import events

ACTIVE = ("queued", "running")


async def signed_in(gateway: httpx.AsyncClient) -> dict[str, str]:
    return bearer((await register(gateway, prefix="ig"))["access_token"])


async def poll(
    gateway: httpx.AsyncClient,
    headers: dict[str, str],
    analysis_id: str,
    done: Callable[[dict[str, Any]], bool],
    timeout: float = 60,
) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            body = (await gateway.get(f"/api/ig/analyses/{analysis_id}", headers=headers)).json()
            if done(body):
                return body
            await asyncio.sleep(0.1)


async def submit(gateway, headers, instagram: FakeInstagram, account) -> tuple[httpx.Response, str]:
    session_id, csrf = instagram.session_for(account)
    response = await gateway.post(
        "/api/ig/analyses", json={"session_id": session_id, "csrf_token": csrf}, headers=headers
    )
    return response, session_id


async def every_redis_value(url: str) -> list[bytes]:
    redis = Redis.from_url(url)
    found: list[bytes] = []
    try:
        async for key in redis.scan_iter(count=1000):
            found.append(key)
            if (await redis.type(key)) == b"string":
                found.append(await redis.get(key) or b"")
            elif (await redis.type(key)) == b"zset":
                found += await redis.zrange(key, 0, -1)
            elif (await redis.type(key)) == b"hash":
                found += [v for kv in (await redis.hgetall(key)).items() for v in kv]
    finally:
        await redis.aclose()
    return found


async def every_igscraper_row(platform: Stack) -> str:
    url = urlsplit(platform.database_url("igscraper"))._replace(scheme="postgresql").geturl()
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT a::text FROM analysis a")
        rows += await conn.fetch("SELECT u::text FROM analysis_user u")
        return "\n".join(r[0] for r in rows)
    finally:
        await conn.close()


@pytest.mark.timeout(180)
async def test_a_killed_worker_still_ends_exact_and_the_session_never_leaks(
    gateway, platform: Stack, instagram: FakeInstagram
):
    me = instagram.add_account()
    instagram.follow_graph(me, followers=3000, following=2500, mutual=1200)
    instagram.faults.slow_seconds = 0.1
    user = await signed_in(gateway)
    submitted, session_id = await submit(gateway, user, instagram, me)
    assert submitted.status_code == 202, submitted.text
    analysis_id = submitted.json()["id"]

    await poll(gateway, user, analysis_id, lambda b: b["progress"]["followers_fetched"] >= 800)
    platform.processes[WORKER].kill()
    platform.restart(WORKER)
    body = await poll(gateway, user, analysis_id, lambda b: b["status"] not in ACTIVE, 90)
    instagram.faults.slow_seconds = 0

    assert body["status"] == "completed", body
    assert body["result"]["stats"] == {
        "followers_count": 3000,
        "following_count": 2500,
        "mutual_count": 1200,
        "not_following_back_count": 1300,
        "fans_count": 1800,
    }
    export = await gateway.get(f"/api/ig/analyses/{analysis_id}/export.csv", headers=user)
    rows = list(csv.DictReader(io.StringIO(export.text)))
    followers, following = set(me.followers), set(me.following)
    truth = {
        "mutuals": followers & following,
        "not_following_back": following - followers,
        "fans": followers - following,
    }
    assert len(rows) == 4300
    for group, ids in truth.items():
        assert {r["id"] for r in rows if r["group"] == group} == ids

    # The real media service fetched the pictures; pfp_url serves them through the gateway.
    page = await gateway.get(
        f"/api/ig/analyses/{analysis_id}/users", params={"group": "fans"}, headers=user
    )
    pfp_url = page.json()["items"][0]["pfp_url"]
    assert pfp_url.startswith(platform.gateway_url + "/media/ig-avatars/")
    async with asyncio.timeout(30):
        while (await gateway.get(urlsplit(pfp_url).path)).status_code != 200:  # noqa: ASYNC110
            await asyncio.sleep(0.2)

    secret_forms = [session_id.encode(), unquote(session_id).encode()]
    logs = b"".join(p.read_bytes() for p in (platform.dir / "logs").glob("*.log"))
    dump = (await every_igscraper_row(platform)).encode()
    values = await every_redis_value(platform.servers["redis"].url)
    for secret in secret_forms:
        assert secret not in logs
        assert secret not in dump
        assert not [v for v in values if secret in v]


async def test_login_required_fails_wipes_the_credential_and_409_while_active(
    gateway, platform: Stack, instagram: FakeInstagram
):
    me = instagram.add_account()
    instagram.follow_graph(me, followers=1000, following=10, mutual=5)
    instagram.faults.slow_seconds = 0.3
    instagram.faults.login_required_after = instagram.requests + 4
    user = await signed_in(gateway)
    try:
        first, _ = await submit(gateway, user, instagram, me)
        analysis_id = first.json()["id"]
        second, _ = await submit(gateway, user, instagram, me)
        assert second.status_code == 409
        assert second.json()["job_id"] == analysis_id
        body = await poll(gateway, user, analysis_id, lambda b: b["status"] not in ACTIVE)
    finally:
        instagram.faults.slow_seconds = 0
        instagram.faults.login_required_after = None
    assert body["status"] == "failed"
    assert body["error"]["code"] == "instagram_session_invalid"
    redis = Redis.from_url(platform.servers["redis"].url)
    queue = platform.environment()["IGSCRAPER_QUEUE_NAME"]
    try:
        assert not await redis.exists(f"{queue}:credentials:{analysis_id}")
    finally:
        await redis.aclose()


async def test_another_user_cannot_read_or_delete_an_analysis(gateway, instagram: FakeInstagram):
    me = instagram.add_account()
    instagram.follow_graph(me, followers=20, following=20, mutual=10)
    owner, stranger = await signed_in(gateway), await signed_in(gateway)
    submitted, _ = await submit(gateway, owner, instagram, me)
    analysis_id = submitted.json()["id"]
    await poll(gateway, owner, analysis_id, lambda b: b["status"] not in ACTIVE)

    read = await gateway.get(f"/api/ig/analyses/{analysis_id}", headers=stranger)
    delete = await gateway.delete(f"/api/ig/analyses/{analysis_id}", headers=stranger)
    assert (read.status_code, delete.status_code) == (404, 404)
    still = await gateway.get(f"/api/ig/analyses/{analysis_id}", headers=owner)
    assert still.json()["status"] == "completed"


@pytest.mark.timeout(240)
async def test_progress_streams_live_through_the_gateway(
    gateway, platform: Stack, instagram: FakeInstagram, start_gateway
):
    """Each event reaches the browser as it happens, and keep-alives hold the stream open
    through a gateway that drops an upstream silent for longer than its limit."""
    silence_limit = 1.5
    me = instagram.add_account()
    # 5 pages at 0.7 s: a step fetches for 2 s (IGSCRAPER_STEP_TIMEOUT_SECONDS=4, halved),
    # so progress comes every ~2.5 s, and a step stays well inside its timeout.
    instagram.follow_graph(me, followers=600, following=300, mutual=100)
    upstreams = {f"{service}_url": platform.url(service) for service in SERVICES}
    user = await signed_in(gateway)
    arrivals: list[tuple[float, str, Any]] = []
    instagram.faults.slow_seconds = 0.7
    try:
        submitted, _ = await submit(gateway, user, instagram, me)
        analysis_id = submitted.json()["id"]
        async with (
            start_gateway(
                **upstreams,
                jwks_url=f"{platform.url('auth')}/auth/.well-known/jwks.json",
                upstream_timeout_seconds=silence_limit,
            ) as url,
            httpx.AsyncClient(base_url=url, timeout=10) as client,
        ):
            path = f"/api/ig/analyses/{analysis_id}/events"
            async with asyncio.timeout(150), client.stream("GET", path, headers=user) as stream:
                assert stream.status_code == 200
                assert stream.headers["content-type"].startswith("text/event-stream")
                async for event in events(stream):
                    data = event.json() if event.comment is None else event.comment
                    arrivals.append((time.monotonic(), event.event, data))
    finally:
        instagram.faults.slow_seconds = 0
    final = (await gateway.get(f"/api/ig/analyses/{analysis_id}", headers=user)).json()

    progress = [(at, data) for at, kind, data in arrivals if kind == "progress"]
    done_at, kind, done = arrivals[-1]
    assert (kind, done) == ("done", final)
    assert final["status"] == "completed"
    assert len(progress) >= 3
    fetched = [
        d["progress"]["followers_fetched"] + d["progress"]["following_fetched"] for _, d in progress
    ]
    assert fetched == sorted(fetched) and fetched[-1] == 900
    # Live, not buffered: a running analysis's progress arrived long before its end.
    live = [at for at, data in progress if data["status"] == "running"]
    assert live and done_at - live[0] > 2
    # Quiet stretches longer than the gateway allows, bridged by keep-alive comments.
    gaps = [later[0] - earlier[0] for earlier, later in pairwise(progress)]
    assert max(gaps) > silence_limit
    assert any(data == "keep-alive" for _, _, data in arrivals)


def _log_entries(platform: Stack, name: str) -> list[dict[str, Any]]:
    entries = []
    for line in (platform.dir / "logs" / f"{name}.log").read_text(errors="replace").splitlines():
        if line.startswith("{"):
            entries.append(json.loads(line))
    return entries


async def test_the_worker_logs_an_analysis_under_the_request_id_that_asked_for_it(
    gateway, platform: Stack, instagram: FakeInstagram
):
    me = instagram.add_account()
    instagram.follow_graph(me, followers=30, following=20, mutual=10)
    user = await signed_in(gateway)
    request_id = f"analysis-trace-{uuid.uuid4().hex}"
    session_id, csrf = instagram.session_for(me)
    submitted = await gateway.post(
        "/api/ig/analyses",
        json={"session_id": session_id, "csrf_token": csrf},
        headers={**user, "X-Request-ID": request_id},
    )
    assert submitted.status_code == 202, submitted.text
    analysis_id = submitted.json()["id"]
    body = await poll(gateway, user, analysis_id, lambda b: b["status"] not in ACTIVE)
    assert body["status"] == "completed", body

    async def traced(name: str) -> list[dict[str, Any]]:
        return [e for e in _log_entries(platform, name) if e.get("request_id") == request_id]

    # The worker's lines for this analysis, and media's for the avatars the worker handed
    # it: one id from the browser's POST to the last service-to-service call. The worker
    # logs "analysis finished" after it saved the state the poll above saw, so the wait is
    # for that line itself, not for the first of the worker's lines.
    async def finished_lines() -> list[dict[str, Any]]:
        return [e for e in await traced(WORKER) if e.get("analysis_id") == analysis_id]

    await eventually(finished_lines, timeout=30)
    await eventually(lambda: traced("media"), timeout=30)
