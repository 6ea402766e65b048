"""The gateway in front of the real services: limits, documentation, and memory under abuse."""

import asyncio
import uuid

import httpx
import psutil
from openapi_spec_validator import validate

from stack.platform import GATEWAY, SERVICES, Stack


async def test_rapid_logins_from_one_ip_hit_429_and_other_routes_do_not(
    platform: Stack, start_gateway
):
    upstreams = {f"{service}_url": platform.url(service) for service in SERVICES}
    async with (
        start_gateway(
            **upstreams,
            jwks_url=f"{platform.url('auth')}/auth/.well-known/jwks.json",
            rate_limit_key_prefix=f"e2e:{uuid.uuid4()}",  # the defaults, counted afresh
        ) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        # A different account each time: auth's own per-account throttle stays out of it.
        responses = [
            await client.post("/auth/login", json={"username": f"nobody{i}", "password": "x" * 9})
            for i in range(30)
        ]
        refused = [r for r in responses if r.status_code == 429]
        assert refused, [r.status_code for r in responses]
        assert all(int(r.headers["retry-after"]) > 0 for r in refused)
        assert refused[0].json()["error"]["code"] == "rate_limited"
        assert (await client.get("/feed/global")).status_code != 429
        assert (await client.get("/health")).status_code == 200


async def test_a_2_gib_upload_is_refused_before_the_body_and_memory_stays_flat(platform: Stack):
    gateway = psutil.Process(platform.processes[GATEWAY].pid)
    rss_before = gateway.memory_info().rss
    host, port = platform.gateway_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /media HTTP/1.1\r\nHost: gateway\r\nContent-Type: multipart/form-data; boundary=x"
        b"\r\nContent-Length: 2147483648\r\n\r\n"
    )
    chunk = b"\0" * (1 << 20)
    async with asyncio.timeout(10):
        answer = asyncio.create_task(reader.readuntil(b"\r\n\r\n"))
        sent = 0
        while not answer.done() and sent < 256 * len(chunk):
            writer.write(chunk)
            await writer.drain()
            sent += len(chunk)
            # drain() returns without yielding while the gateway keeps reading: let the
            # reader see an answer that has come.
            await asyncio.sleep(0)
        head = await answer
    writer.close()
    assert head.startswith(b"HTTP/1.1 413"), head
    assert sent < 256 * len(chunk)  # answered long before 2 GiB went by
    assert gateway.memory_info().rss - rss_before < 16 * 1024 * 1024


async def test_one_openapi_document_describes_all_four_services(gateway):
    document = (await gateway.get("/openapi.json")).json()
    validate(document)
    tags = {
        tag for item in document["paths"].values() for op in item.values() for tag in op["tags"]
    }
    assert set(SERVICES) <= tags
    for path in ("/auth/login", "/posts", "/media", "/api/ig/analyses"):
        assert path in document["paths"], path
    assert "OAuth2PasswordBearer" in document["components"]["securitySchemes"]
    docs = await gateway.get("/docs")
    assert docs.status_code == 200
    assert "SwaggerUIBundle" in docs.text


async def test_every_service_exposes_prometheus_metrics(platform: Stack):
    async with httpx.AsyncClient() as client:
        for name in (*SERVICES, GATEWAY):
            metrics = (await client.get(f"{platform.url(name)}/metrics")).text
            assert "http_requests_total" in metrics, name
            assert "http_request_duration_seconds_bucket" in metrics, name
