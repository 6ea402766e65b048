"""Replicas behind the gateway: requests spread over them, a dead one is skipped without a
failed request, and it is found again once it is back."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from aiohttp import web

from gateway.balancer import EJECT_SECONDS, ReplicaSet
from stack.processes import free_port


def replica_app(name: str, served: Counter[str]) -> web.Application:
    async def who(request: web.Request) -> web.Response:
        body = await request.read()
        served[name] += 1
        return web.json_response({"replica": name, "body_bytes": len(body)})

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "checks": {}})

    app = web.Application()
    app.router.add_route("*", "/posts/who", who)
    app.router.add_get("/health", health)
    return app


@asynccontextmanager
async def running(name: str, port: int, served: Counter[str]) -> AsyncIterator[str]:
    runner = web.AppRunner(replica_app(name, served))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def test_least_outstanding_then_in_turn_skipping_ejected_ones():
    replicas = ReplicaSet(["http://a", "http://b", "http://c"])
    a, b, c = replicas.replicas
    a.outstanding, b.outstanding = 2, 1
    assert replicas.pick() is c
    c.outstanding = 5
    assert replicas.pick() is b
    replicas.failed(b)
    assert replicas.pick() is a
    assert replicas.pick(tried=[a]) is c  # b is out of rotation
    replicas.failed(a)
    replicas.failed(c)
    assert replicas.pick() in (a, b, c)  # all out: one is tried anyway
    replicas.answered(b)
    assert replicas.pick() is b
    a.outstanding = b.outstanding = c.outstanding = 0
    replicas.answered(a), replicas.answered(c)
    assert {replicas.pick() for _ in range(6)} == {a, b, c}  # ties taken in turn


async def test_requests_spread_over_replicas_and_skip_a_dead_one(start_gateway):
    served: Counter[str] = Counter()
    dead_port = free_port()
    async with (
        running("one", free_port(), served) as one,
        running("two", free_port(), served) as two,
    ):
        dead = f"http://127.0.0.1:{dead_port}"
        async with (
            start_gateway(social_url=f"{one}, {two},{dead}", retry_attempts=3) as url,
            httpx.AsyncClient(base_url=url, timeout=10) as client,
        ):
            gets = [await client.get("/posts/who") for _ in range(30)]
            # Not idempotent, with a body: a refused connection carried nothing, so it
            # goes to another replica.
            posts = [await client.post("/posts/who", json={"n": i}) for i in range(30)]
            assert [r.status_code for r in gets + posts] == [200] * 60
            assert served["one"] >= 20 and served["two"] >= 20

            health = (await client.get("/health")).json()["services"]["social"]
            assert health["status"] == "ok"
            assert health["replicas"] == {one: "ok", two: "ok", dead: "down"}

            # The dead replica comes back: once its time out of rotation is over, the next
            # requests probe it and it takes its share again.
            async with running("three", dead_port, served):
                for _ in range(int((EJECT_SECONDS + 5) / 0.05)):
                    assert (await client.get("/posts/who")).status_code == 200
                    if served["three"]:
                        break
                    await asyncio.sleep(0.05)
                assert served["three"] > 0


async def test_a_service_whose_replicas_are_all_down_is_a_fast_503(start_gateway):
    urls = ",".join(f"http://127.0.0.1:{free_port()}" for _ in range(2))
    async with (
        start_gateway(social_url=urls) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        started = asyncio.get_running_loop().time()
        response = await client.post("/posts/who", json={})
        assert asyncio.get_running_loop().time() - started < 1.0
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "upstream_unavailable"
