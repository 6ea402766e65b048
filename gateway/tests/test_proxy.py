"""The gateway forwards faithfully, streams both ways, and fails fast with JSON errors."""

import asyncio
import hashlib
import json
import os
import time

import httpx

from gateway.tests.conftest import ENDLESS


async def test_forwards_method_path_query_and_body(client):
    response = await client.post("/posts/echo?x=1&y=%20z", content=b"hello")
    seen = response.json()
    assert response.status_code == 200
    assert seen["method"] == "POST"
    assert seen["path"] == "/posts/echo?x=1&y=%20z"
    assert seen["body_bytes"] == 5


async def test_strips_hop_by_hop_and_sets_forwarding_headers(client, gateway):
    response = await client.get(
        "/users/1",
        headers={
            "Connection": "keep-alive, X-Hop-Secret",
            "X-Hop-Secret": "must-not-pass",
            "TE": "trailers",
            "X-Forwarded-For": "203.0.113.9",
            "X-Request-ID": "trace-me-1",
            "Authorization": "Bearer abc",
        },
    )
    headers = response.json()["headers"]
    assert "x-hop-secret" not in headers
    assert "te" not in headers
    assert headers["x-forwarded-for"] == "127.0.0.1"  # an untrusted caller's claim is dropped
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-host"] == gateway.removeprefix("http://")
    assert headers["x-request-id"] == "trace-me-1"
    assert headers["authorization"] == "Bearer abc"
    assert response.headers["x-request-id"] == "trace-me-1"


async def test_a_proxied_response_has_one_date_and_one_server_header(client):
    # The upstream (aiohttp) writes both, and so does the gateway's own server.
    response = await client.get("/users/1")
    assert response.status_code == 200
    assert len(response.headers.get_list("date")) == 1
    assert len(response.headers.get_list("server")) == 1


async def test_streams_a_large_upload_intact(client):
    payload = os.urandom(1 << 20) * 20  # 20 MiB: the largest photo media accepts

    async def chunks():
        for start in range(0, len(payload), 1 << 16):
            yield payload[start : start + (1 << 16)]

    response = await client.post("/media", content=chunks())
    assert response.json() == {
        "bytes": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
    }


async def test_streams_a_response_as_it_comes(client):
    async with client.stream("GET", "/feed/stream?n=50") as response:
        lines = [json.loads(line) async for line in response.aiter_lines() if line]
    assert [line["i"] for line in lines] == list(range(50))


async def test_a_stopped_upstream_is_a_fast_json_503(client):
    started = time.monotonic()
    response = await client.post("/auth/login", json={"username": "a", "password": "b"})
    assert time.monotonic() - started < 1.0
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "upstream_unavailable"
    assert error["service"] == "auth"
    assert error["request_id"] == response.headers["x-request-id"]


async def test_a_slow_upstream_is_a_json_504(client):
    started = time.monotonic()
    response = await client.get("/feed/slow?seconds=3")
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "upstream_timeout"
    assert time.monotonic() - started < 2.0


async def test_a_caller_leaving_an_endless_stream_closes_it_upstream(gateway):
    opened, closed = ENDLESS["opened"], ENDLESS["closed"]
    async with (
        httpx.AsyncClient(base_url=gateway) as client,
        client.stream("GET", "/feed/endless") as response,
    ):
        async for chunk in response.aiter_bytes():
            assert chunk.startswith(b": keep-alive")
            break
    assert ENDLESS["opened"] == opened + 1
    async with asyncio.timeout(5):
        while ENDLESS["closed"] == closed:  # noqa: ASYNC110 (the upstream runs elsewhere)
            await asyncio.sleep(0.05)


async def test_unknown_paths_are_json_404(client):
    # A GET of any other path is the web app's (test_webapp.py); other methods have no route.
    response = await client.post("/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "route_not_found"


async def test_the_gateways_own_paths_name_their_methods(client):
    options = await client.options("/health")
    assert options.status_code == 204
    assert options.headers["allow"] == "GET, HEAD, OPTIONS"
    wrong = await client.post("/openapi.json")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, HEAD, OPTIONS"
    assert wrong.json()["error"]["code"] == "method_not_allowed"


async def test_routes_table_is_published(client, upstream):
    routes = (await client.get("/__routes")).json()["routes"]
    assert {"prefix": "/posts", "service": "social", "upstream": upstream} in routes
    services = {r["service"] for r in routes}
    assert services == {"auth", "social", "media", "igscraper", "federation"}


async def test_health_is_503_naming_what_is_down(client):
    response = await client.get("/health")
    body = response.json()
    assert response.status_code == 503
    assert body["services"]["auth"]["status"] == "down"
    assert body["services"]["igscraper"]["status"] == "down"
    assert body["services"]["federation"]["status"] == "ok"
    assert body["dependencies"]["redis"]["status"] == "ok"


async def test_strict_cors_allows_only_the_frontend(start_gateway, upstream):
    async with (
        start_gateway(
            social_url=upstream, strict_cors=True, frontend_url="https://app.example"
        ) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        preflight = {"Access-Control-Request-Method": "POST"}
        allowed = await client.options(
            "/posts/echo", headers={"Origin": "https://app.example", **preflight}
        )
        refused = await client.options(
            "/posts/echo", headers={"Origin": "https://evil.example", **preflight}
        )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "access-control-allow-origin" not in refused.headers
    assert refused.status_code >= 400


async def test_open_cors_allows_any_origin_without_credentials(client):
    response = await client.get("/posts/echo", headers={"Origin": "https://any.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


async def test_a_trusted_proxys_forwarded_for_is_kept(start_gateway, upstream):
    async with (
        start_gateway(social_url=upstream, trusted_proxies=frozenset({"127.0.0.1"})) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        response = await client.get("/users/1", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.json()["headers"]["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
