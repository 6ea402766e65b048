"""The gateway's own server: a graceful stop on SIGTERM, and an exception is a JSON 500."""

import asyncio
import json
import os
import signal
import sys

import httpx
import pytest

from gateway.policy import Policies
from gateway.proxy import ProxyExchange
from gateway.tests.conftest import SLOW
from stack.processes import free_port


async def until(condition, seconds: float = 10) -> None:
    """Poll `condition` (another process, or a socket) until it holds, within `seconds`."""
    async with asyncio.timeout(seconds):
        while not await condition():  # noqa: ASYNC110 (what it waits for has no event)
            await asyncio.sleep(0.02)


async def refuses(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    writer.close()
    return False


async def test_sigterm_lets_requests_in_flight_end_and_takes_no_new_ones(servers, upstream):
    port = free_port()
    dead = f"http://127.0.0.1:{free_port()}"
    env = os.environ | {
        "GATEWAY_SOCIAL_URL": upstream,
        **{f"GATEWAY_{name}_URL": dead for name in ("AUTH", "MEDIA", "IGSCRAPER", "FEDERATION")},
        "GATEWAY_REDIS_URL": servers["redis"].url,
        "GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "10",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway", "--port", str(port), env=env
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:

            async def serving() -> bool:
                if process.returncode is not None:
                    raise RuntimeError(f"the gateway exited with {process.returncode}")
                try:
                    return (await client.get("/posts/echo")).status_code == 200
                except httpx.TransportError:
                    return False

            await until(serving, 30)
            started = SLOW["started"]
            in_flight = asyncio.create_task(client.get("/feed/slow?seconds=1.5"))

            async def upstream_began() -> bool:
                return SLOW["started"] > started

            await until(upstream_began)
            process.send_signal(signal.SIGTERM)
            # It stops listening at once, while the request in flight goes on.
            await until(lambda: refuses(port))
            assert not in_flight.done()
            response = await in_flight
        assert response.status_code == 200
        assert response.json() == {"late": True}
        async with asyncio.timeout(10):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def raw_exchange(url: str, request: bytes) -> bytes:
    """Send `request` on a keep-alive connection and read until the gateway closes it."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request)
    async with asyncio.timeout(5):
        received = await reader.read()  # to EOF: the connection must be closed
    writer.close()
    return received


def assert_json_500(received: bytes) -> None:
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 500 Internal Server Error"
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    assert headers["connection"] == "close"
    error = json.loads(body)["error"]
    assert error["code"] == "internal_error"
    assert error["request_id"] == headers["x-request-id"] == "boom-1"


@pytest.mark.parametrize("where", ["admission", "answer"])
async def test_an_exception_is_a_json_500_and_a_closed_connection(
    start_gateway, upstream, monkeypatch, where
):
    if where == "admission":  # in the caller's parser callback
        original = Policies.for_request

        def for_request(self, method, path):
            if path == "/posts/echo":
                raise RuntimeError("boom")
            return original(self, method, path)

        monkeypatch.setattr(Policies, "for_request", for_request)
    else:  # in the upstream's parser callback, as its answer begins

        def response_start(self, status, headers):
            raise RuntimeError("boom")

        monkeypatch.setattr(ProxyExchange, "response_start", response_start)
    async with start_gateway(social_url=upstream) as url:
        received = await raw_exchange(
            url, b"GET /posts/echo HTTP/1.1\r\nHost: x\r\nX-Request-ID: boom-1\r\n\r\n"
        )
        assert_json_500(received)
        monkeypatch.undo()
        # The gateway itself is fine.
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/posts/echo")).status_code == 200


async def test_an_exception_in_a_task_is_a_json_500(start_gateway, upstream, monkeypatch):
    """The await path (a bearer token to verify) fails the same way."""

    async def admit(self, token):
        raise RuntimeError("boom")

    monkeypatch.setattr(ProxyExchange, "admit", admit)
    async with start_gateway(social_url=upstream) as url:
        received = await raw_exchange(
            url,
            b"GET /posts/echo HTTP/1.1\r\nHost: x\r\nX-Request-ID: boom-1\r\n"
            b"Authorization: Bearer abc\r\n\r\n",
        )
    assert_json_500(received)


async def test_head_and_pipelined_requests_are_answered_in_order(gateway):
    """HEAD has no body to wait for, and each answer on a connection follows its request."""
    host, port = gateway.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"HEAD /posts/echo HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /posts/echo?n=2 HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /__routes HTTP/1.1\r\nHost: x\r\n\r\n"
        b"POST /posts/echo?n=4 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
        b"Connection: close\r\n\r\nabc"
    )
    async with asyncio.timeout(5):
        received = await reader.read()
    writer.close()
    answers = received.split(b"HTTP/1.1 ")[1:]
    assert [answer[:3] for answer in answers] == [b"200"] * 4
    head, second, routes, post = answers
    assert head.endswith(b"\r\n\r\n")  # headers only
    assert b'"path": "/posts/echo?n=2"' in second
    assert b'"routes"' in routes
    assert b'"method": "POST"' in post and b'"body_bytes": 3' in post


async def test_requests_wait_for_a_connection_when_a_replica_has_its_limit_open(
    start_gateway, upstream
):
    async with (
        start_gateway(social_url=upstream, max_connections_per_upstream=1) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        started = SLOW["started"]
        first = asyncio.create_task(client.get("/feed/slow?seconds=0.3"))
        second = asyncio.create_task(client.get("/feed/slow?seconds=0.3"))

        async def one_began() -> bool:
            return SLOW["started"] > started

        await until(one_began)
        # One connection: the second request reaches the upstream only after the first.
        assert SLOW["started"] == started + 1
        responses = await asyncio.gather(first, second)
        assert [r.status_code for r in responses] == [200, 200]
        assert SLOW["started"] == started + 2


async def test_an_answer_before_the_body_leaves_no_connection_waiting_for_it(
    start_gateway, upstream
):
    """A replica that answers before the body came keeps waiting for it: that connection
    must not carry the next request (it would be read as the rest of the body)."""
    async with start_gateway(social_url=upstream, max_connections_per_upstream=1) as url:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"POST /posts/early HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
        async with asyncio.timeout(5):
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
        assert head.startswith(b"HTTP/1.1 405")
        writer.write(b"0123456789")  # the body, late
        async with httpx.AsyncClient(base_url=url, timeout=5) as client:
            for n in range(3):
                after = await client.get(f"/posts/echo?after={n}")
                assert after.status_code == 200, after.text
                assert after.json()["path"] == f"/posts/echo?after={n}"
        # The caller's own connection goes on too.
        writer.write(b"GET /posts/echo?own=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        async with asyncio.timeout(5):
            rest = await reader.read()
        writer.close()
        assert rest.startswith(b"HTTP/1.1 200") and b"own=1" in rest
