"""Body limits, rate limits and retries: refused early, counted in Redis, retried only when safe."""

import asyncio
import os
import uuid

import httpx
import pytest

from gateway.config import Settings
from gateway.ratelimit import RateLimiter
from stack.processes import free_port


async def raw_request(url: str, head: bytes) -> tuple[int, bytes]:
    """Send only a request head (no body) and read what comes back."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(head)
    await writer.drain()
    async with asyncio.timeout(5):
        response = await reader.read(65536)
    writer.close()
    status = int(response.split(b" ", 2)[1])
    return status, response


async def test_a_declared_huge_body_is_refused_before_it_is_sent(gateway):
    status, response = await raw_request(
        gateway,
        b"POST /media HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Length: 2147483648\r\n\r\n",
    )
    assert status == 413
    assert b'"code":"payload_too_large"' in response


async def test_json_routes_have_a_smaller_limit_than_uploads(client):
    two_mib = os.urandom(2 << 20)
    assert (await client.post("/posts/echo", content=two_mib)).status_code == 413
    assert (await client.post("/media", content=two_mib)).status_code == 200


async def test_a_chunked_body_over_the_limit_is_cut_off_with_413(client):
    async def endless():
        chunk = b"x" * (1 << 20)
        for _ in range(64):
            yield chunk

    response = await client.post("/media", content=endless())
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


@pytest.fixture
async def limited(start_gateway, upstream, federation_upstream):
    async with (
        start_gateway(
            social_url=upstream,
            auth_url=upstream,
            federation_url=federation_upstream,
            rate_limit_login="5/minute",
            rate_limit_inbox="3/minute",
            rate_limit_anonymous="1000/minute",
            rate_limit_key_prefix=f"test:{uuid.uuid4()}",
        ) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        yield client


async def test_login_is_limited_per_ip_and_other_routes_are_not(limited):
    statuses = [
        (await limited.post("/auth/login", json={"username": "a", "password": "b"})).status_code
        for _ in range(8)
    ]
    assert 429 not in statuses[:5]
    assert statuses[5:] == [429, 429, 429]
    refused = await limited.post("/auth/login", json={"username": "a", "password": "b"})
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit-limit"] == "5"
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.json()["error"]["code"] == "rate_limited"
    assert (await limited.get("/posts/echo")).status_code == 200
    # A second factor's code and a passkey's answer are sign-in attempts too.
    for path in ("/auth/login/mfa", "/auth/passkeys/login/verify"):
        assert (await limited.post(path, json={})).status_code == 429


async def test_inbox_deliveries_are_limited_per_address(limited):
    # The shared inbox and users' inboxes count together: one server, one budget.
    paths = ["/inbox", "/users/a/inbox", "/users/b/inbox", "/inbox", "/users/a/inbox"]
    statuses = [(await limited.post(path, content=b"{}")).status_code for path in paths]
    assert statuses == [200, 200, 200, 429, 429]
    # Fetching documents is not delivering, and sign-ins have a budget of their own.
    actor = await limited.get("/users/a", headers={"Accept": "application/activity+json"})
    assert actor.status_code == 200
    assert (await limited.post("/auth/login", json={})).status_code != 429


async def test_rate_limits_fail_open_when_redis_is_down(start_gateway, upstream):
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    async with (
        start_gateway(
            social_url=upstream, redis_url=dead_redis, rate_limit_anonymous="1/minute"
        ) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        assert (await client.get("/posts/echo")).status_code == 200

        async def failing_open() -> bool:
            return (await client.get("/health")).json()["rate_limits"]["status"] == "fail_open"

        async with asyncio.timeout(5):
            while not await failing_open():  # noqa: ASYNC110 - the next sync finds Redis gone
                await asyncio.sleep(0.05)
        assert [(await client.get("/posts/echo")).status_code for _ in range(3)] == [200] * 3
        health = (await client.get("/health")).json()
    assert health["rate_limits"]["status"] == "fail_open"
    assert health["dependencies"]["redis"]["status"] == "down"


async def closing_server(closes: int) -> tuple[str, asyncio.Server, list[int]]:
    """Closes its first `closes` connections unanswered, then answers every request 200."""
    seen: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(1)
        if len(seen) > closes:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}", server, seen


async def test_idempotent_requests_are_retried_after_a_dropped_connection(start_gateway):
    url, server, seen = await closing_server(closes=1)
    async with (
        server,
        start_gateway(social_url=url) as gateway_url,
        httpx.AsyncClient(base_url=gateway_url) as client,
    ):
        response = await client.get("/posts/1")
    assert response.status_code == 200
    assert response.text == "ok"
    assert len(seen) == 2


async def test_posts_are_never_retried(start_gateway):
    url, server, seen = await closing_server(closes=1)
    async with (
        server,
        start_gateway(social_url=url) as gateway_url,
        httpx.AsyncClient(base_url=gateway_url) as client,
    ):
        response = await client.post("/posts", json={"caption": "once"})
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "bad_gateway"
    assert len(seen) == 1


def replica(redis_url: str, prefix: str, **limits: str) -> RateLimiter:
    return RateLimiter(Settings(redis_url=redis_url, rate_limit_key_prefix=prefix, **limits))


async def test_general_limits_hold_across_replicas(servers):
    prefix = f"test:{uuid.uuid4()}"
    first, second = (
        replica(servers["redis"].url, prefix, rate_limit_anonymous="6/minute") for _ in "ab"
    )
    for _ in range(4):
        assert await first.check(bucket=None, client_ip="10.0.0.1", user_id=None) is None
    await first.sync()
    assert await second.check(bucket=None, client_ip="10.0.0.1", user_id=None) is None
    await second.sync()  # learns the 4 hits the first replica made
    assert await second.check(bucket=None, client_ip="10.0.0.1", user_id=None) is None
    refused = await second.check(bucket=None, client_ip="10.0.0.1", user_id=None)
    assert refused is not None and refused.status_code == 429
    assert int(refused.headers["retry-after"]) <= 60
    # Another address has its own bucket.
    assert await second.check(bucket=None, client_ip="10.0.0.2", user_id=None) is None
    for limiter in (first, second):
        await limiter.stop()


async def test_a_replica_that_loses_redis_fails_open():
    limiter = replica(f"redis://127.0.0.1:{free_port()}/0", "test", rate_limit_anonymous="1/minute")
    assert await limiter.check(bucket=None, client_ip="10.0.0.1", user_id=None) is None
    await limiter.sync()
    assert limiter.status == "fail_open"
    for _ in range(3):
        assert await limiter.check(bucket=None, client_ip="10.0.0.1", user_id=None) is None
    await limiter.stop()
