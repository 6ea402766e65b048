"""A dependency that is down answers 503 naming it, with Retry-After, at once when the
connection is refused, and costs one log line per request, never a traceback; the service
serves again as soon as the dependency is back."""

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import text

from common.app import create_service_app
from common.db import SessionDep, create_engine, create_sessionmaker
from common.redis import redis_client
from common.settings import ServiceSettings
from tests.support.outage_proxy import OutageProxy

router = APIRouter()


@router.get("/db")
async def read_db(session: SessionDep) -> int:
    return await session.scalar(text("SELECT 1"))


@router.get("/redis")
async def read_redis(request: Request) -> str | None:
    return await request.app.state.redis.get("outage-test")


async def _proxy_for(url: str) -> OutageProxy:
    parts = urlsplit(url)
    proxy = OutageProxy(parts.hostname or "127.0.0.1", parts.port or 0)
    await proxy.start()
    return proxy


@pytest.fixture
async def outage(servers) -> AsyncIterator[tuple[httpx.AsyncClient, OutageProxy, OutageProxy]]:
    postgres = await _proxy_for(servers["postgres"].url)
    redis = await _proxy_for(servers["redis"].url)
    database_url = (
        urlsplit(servers["postgres"].url)
        ._replace(scheme="postgresql+asyncpg", netloc=f"postgres@127.0.0.1:{postgres.port}")
        .geturl()
    )
    redis_url = urlsplit(servers["redis"].url)._replace(netloc=f"127.0.0.1:{redis.port}").geturl()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(database_url, pool_size=2)
        app.state.sessionmaker = create_sessionmaker(engine)
        async with redis_client(app, redis_url):
            yield
        await engine.dispose()

    app = create_service_app(
        service="outages",
        title="Outages",
        settings=ServiceSettings(),
        lifespan=lifespan,
        routers=[router],
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, postgres, redis
    await postgres.stop()
    await redis.stop()


async def _timed_get(client: httpx.AsyncClient, path: str) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await client.get(path)
    return response, time.perf_counter() - started


@pytest.mark.parametrize(("path", "dependency"), [("/db", "postgres"), ("/redis", "redis")])
async def test_a_dependency_down_is_a_fast_quiet_503_until_it_returns(
    outage, caplog, path, dependency
):
    client, postgres, redis = outage
    proxy = {"postgres": postgres, "redis": redis}[dependency]
    assert (await client.get(path)).status_code == 200  # a pooled connection to lose

    await proxy.cut()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        answers = [await _timed_get(client, path) for _ in range(5)]
    for response, elapsed in answers:
        assert response.status_code == 503
        assert response.json()["error"]["code"] == f"{dependency}_unavailable"
        assert response.json()["error"]["request_id"] == response.headers["x-request-id"]
        assert int(response.headers["retry-after"]) > 0
        assert elapsed < 1.0, f"a refused connection took {elapsed:.2f}s"
    # One line per request, the access line, which names the outage; no traceback. (The
    # test's own httpx client logs its requests too: not the service's lines.)
    lines = [r for r in caplog.records if r.name != "httpx"]
    assert len(lines) == len(answers), [r.getMessage() for r in lines]
    assert all(r.exc_info is None for r in lines)
    assert {getattr(r, "error_code", None) for r in lines} == {f"{dependency}_unavailable"}

    await proxy.restore()
    assert (await client.get(path)).status_code == 200


async def test_a_frozen_postgres_is_a_503_within_its_timeouts(outage, monkeypatch):
    client, postgres, _ = outage
    postgres.freeze()
    response, elapsed = await _timed_get(client, "/db")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "postgres_unavailable"
    assert elapsed < 20
    await postgres.restore()
