"""The platform with two replicas of every service, two workers and two gateways.

Started by the same code as `uv run stack up --replicas auth=2,social=2,media=2,
igscraper=2,worker=2,gateway=2`, supervised. Clients alternate between the two gateways.
"""

import asyncio
import itertools
import math
import os
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import redis.asyncio as redis

from stack.platform import REPLICABLE, Stack
from stack.servers import Server
from tests.e2e import test_igscraper as igscraper_flows
from tests.e2e import test_social as social_flows
from tests.e2e.accounts import bearer, register
from tests.e2e.conftest import drop_databases, stack_on
from tests.fakes.instagram import FakeInstagram

PREFIX = f"rep{os.getpid()}_"
LOGIN_LIMIT = 5  # per hour: a window that cannot roll over during the test

pytestmark = pytest.mark.timeout(400)


@pytest.fixture(scope="module")
async def replicated(
    servers: dict[str, Server],
    fresh_database: Callable[[str], Awaitable[str]],
    third_party_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Stack]:
    login = {"GATEWAY_RATE_LIMIT_LOGIN": f"{LOGIN_LIMIT}/hour"}
    # A step that outlived its timeout would be run again and fetch its pages twice: this
    # test counts the pages, so a slow machine must not look like a double scan.
    patient = {"IGSCRAPER_STEP_TIMEOUT_SECONDS": "60"}
    stack = stack_on(
        servers,
        tmp_path_factory.mktemp("replicated"),
        prefix=PREFIX,
        env=third_party_env | login | patient,
        gateway_port=0,
        replicas=dict.fromkeys(REPLICABLE, 2),
        ready_timeout_seconds=180,  # twelve processes booting at once on two busy cores
    )
    stack.start()
    try:
        stack.supervise()
        yield stack
    finally:
        stack.stop()
        await drop_databases(fresh_database, PREFIX)


def _gateway_urls(stack: Stack) -> list[str]:
    return [stack.url(name) for name in stack.names("gateway")]


@pytest.fixture
async def both(replicated: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests go to the two gateways in turn."""
    urls = _gateway_urls(replicated)
    assert len(urls) == 2
    ports = itertools.cycle(httpx.URL(url).port for url in urls)

    async def next_gateway(request: httpx.Request) -> None:
        port = next(ports)
        request.url = request.url.copy_with(port=port)
        request.headers["Host"] = f"{request.url.host}:{port}"

    async with httpx.AsyncClient(
        base_url=urls[0], timeout=30, event_hooks={"request": [next_gateway]}
    ) as client:
        yield client


async def test_every_replica_serves_and_health_lists_them(replicated: Stack):
    async with httpx.AsyncClient(timeout=10) as client:
        for url in _gateway_urls(replicated):
            health = (await client.get(f"{url}/health")).json()
            assert health["status"] == "ok", health
            for service in ("auth", "social", "media", "igscraper"):
                replicas = health["services"][service]["replicas"]
                assert list(replicas.values()) == ["ok", "ok"], (service, replicas)


async def test_the_acceptance_flows_pass_through_both_gateways(both):
    await social_flows.test_the_seed_flow(both)
    await social_flows.test_follow_and_caption_rules(both)
    await social_flows.test_a_registered_user_has_a_profile_before_touching_social(both)


async def test_the_login_limit_holds_across_gateway_replicas(both):
    attempts = [
        await both.post("/auth/login", json={"username": "nobody-here", "password": "wrong-pw"})
        for _ in range(LOGIN_LIMIT + 3)
    ]
    statuses = [r.status_code for r in attempts]
    assert 429 not in statuses[:LOGIN_LIMIT], statuses
    assert statuses[LOGIN_LIMIT:] == [429] * 3, statuses


async def _stream_entries(stack: Stack) -> list[dict[str, str]]:
    client = redis.Redis.from_url(stack.servers["redis"].url, decode_responses=True)
    try:
        return [fields for _, fields in await client.xrange(f"{PREFIX}users")]
    finally:
        await client.aclose()


async def _groups(stack: Stack) -> dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each consumer group of the users stream, by name, with its consumers."""
    client = redis.Redis.from_url(stack.servers["redis"].url, decode_responses=True)
    try:
        stream = f"{PREFIX}users"
        return {
            group["name"]: (group, await client.xinfo_consumers(stream, group["name"]))
            for group in await client.xinfo_groups(stream)
        }
    finally:
        await client.aclose()


async def test_each_event_relayed_once_consumed_once_and_each_analysis_scanned_once(
    both, replicated: Stack, instagram: FakeInstagram
):
    users = await asyncio.gather(*(register(both) for _ in range(12)))
    ids = [body["user"]["id"] for body in users]
    # Every user gets a profile, whichever replica consumed the event (how soon after the
    # registration is test_social's business).
    async with asyncio.timeout(30):
        for user_id in ids:
            while (await both.get(f"/users/{user_id}")).status_code != 200:  # noqa: ASYNC110
                await asyncio.sleep(0.1)

    # auth's two relays published each outbox row once. A profile can exist before its
    # event (social makes it on demand from auth's answer), so wait for the stream itself.
    async with asyncio.timeout(30):
        while True:
            entries = await _stream_entries(replicated)
            registered = [e["user_id"] for e in entries if e.get("type") == "user.registered"]
            if set(ids) <= set(registered):
                break
            await asyncio.sleep(0.1)
    assert sorted(u for u in registered if u in ids) == sorted(ids)

    # One group per consuming service (social makes profiles; media and igscraper erase a
    # deleted account's data), each read by both of its replicas: every entry went to one
    # replica of each service, and every one was acknowledged.
    async with asyncio.timeout(30):
        while any(group["pending"] for group, _ in (await _groups(replicated)).values()):  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    groups = await _groups(replicated)
    assert sorted(groups) == ["igscraper", "media", "social"]
    for name, (group, consumers) in groups.items():
        assert len(consumers) >= 2, name
        if "entries-read" in group:  # Redis 7
            assert group["entries-read"] == len(entries), name

    # Two workers, one analysis: every page fetched once.
    me = instagram.add_account()
    instagram.follow_graph(me, followers=900, following=500, mutual=300)
    user = bearer(users[0]["access_token"])
    submitted, _ = await igscraper_flows.submit(both, user, instagram, me)
    assert submitted.status_code == 202, submitted.text
    body = await igscraper_flows.poll(
        both, user, submitted.json()["id"], lambda b: b["status"] not in ("queued", "running"), 120
    )
    assert body["status"] == "completed", body
    assert body["result"]["stats"]["mutual_count"] == 300
    page = 200  # IGSCRAPER_PAGE_SIZE, the fake's largest page too
    assert instagram.pages_by_account[me.pk] == math.ceil(900 / page) + math.ceil(500 / page)


async def test_killing_a_replica_mid_load_loses_no_acknowledged_write(both, replicated: Stack):
    author = await register(both)
    headers = bearer(author["access_token"])
    created = await social_flows.post_image(both, headers, caption="under load")
    assert created.status_code == 201, created.text
    comments_path = f"/posts/{created.json()['id']}/comments"

    acknowledged: list[str] = []
    failures: list[int] = []
    stop = asyncio.Event()

    async def write_comments(n: int) -> None:
        for i in itertools.count():
            if stop.is_set():
                return
            try:
                response = await both.post(
                    comments_path, json={"content": f"writer {n} #{i}"}, headers=headers
                )
            except httpx.RemoteProtocolError:
                # The victim died between its answer's head and its body: the gateway had
                # relayed the head, so all it can do is drop the connection. Not
                # acknowledged, so nothing is owed; it counts as a failure below.
                failures.append(0)
                continue
            if response.status_code == 201:
                acknowledged.append(response.json()["id"])
            else:
                failures.append(response.status_code)
                assert response.status_code in (502, 503, 504), response.text

    writers = [asyncio.create_task(write_comments(n)) for n in range(4)]
    try:
        async with asyncio.timeout(30):
            while len(acknowledged) < 40:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        victim = replicated.processes["social-2"]
        old_pid = victim.pid
        assert old_pid is not None
        os.kill(old_pid, signal.SIGKILL)
        killed_at, before = time.monotonic(), len(acknowledged)
        async with asyncio.timeout(60):  # writes go on, and the victim comes back
            while not (victim.pid != old_pid and len(acknowledged) > before + 80):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        assert time.monotonic() - killed_at < 60
    finally:
        stop.set()
        await asyncio.gather(*writers)

    listed: set[str] = set()
    cursor = None
    while True:
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = (await both.get(comments_path, params=params)).json()
        listed |= {item["id"] for item in page["items"]}
        if not (cursor := page.get("next_cursor")):
            break
    assert set(acknowledged) <= listed, f"lost: {set(acknowledged) - listed}"
    # A refused connection is retried on the other replica; only requests the victim had
    # in hand when it died can fail.
    assert len(failures) <= 4, failures
