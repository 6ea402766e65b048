"""The service layer's body limit: a declared body over it is refused before the route
runs, a chunked one once it grows past it; both as the shared JSON error with the id."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request

from common.errors import install_error_handlers
from common.service_layer import ServiceLayer

LIMIT = 1000


@pytest.fixture
def reached() -> list[int]:
    return []


@pytest.fixture
async def client(reached: list[int]) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(ServiceLayer, service="test", max_body_bytes=LIMIT)

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        body = await request.body()
        reached.append(len(body))
        return {"size": len(body)}

    @app.post("/api/v1/statuses")
    async def mastodon_status(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def chunks(size: int) -> AsyncIterator[bytes]:
    for _ in range(size // 100):
        yield b"x" * 100


async def test_a_body_within_the_limit_reaches_the_route(client, reached):
    declared = await client.post("/upload", content=b"x" * LIMIT)
    chunked = await client.post("/upload", content=chunks(LIMIT))
    assert declared.json() == chunked.json() == {"size": LIMIT}
    assert reached == [LIMIT, LIMIT]


async def test_a_declared_body_over_the_limit_is_413_before_the_route_runs(client, reached):
    response = await client.post(
        "/upload", content=b"x" * (LIMIT + 1), headers={"X-Request-ID": "req-big"}
    )
    assert response.status_code == 413
    assert response.json() == {
        "error": {
            "code": "payload_too_large",
            "message": f"The request body exceeds {LIMIT} bytes",
            "request_id": "req-big",
        }
    }
    assert response.headers["x-request-id"] == "req-big"
    assert reached == []


async def test_a_chunked_body_is_cut_off_with_413_once_past_the_limit(client, reached):
    response = await client.post("/upload", content=chunks(LIMIT + 100))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert len(response.headers["x-request-id"]) == 32
    assert reached == []


async def test_a_mastodon_path_gets_mastodons_error_shape(client):
    response = await client.post("/api/v1/statuses", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.json() == {"error": f"The request body exceeds {LIMIT} bytes"}
