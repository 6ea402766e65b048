"""igscraper on real Postgres and Redis with an in-process ARQ worker, a fake Instagram,
tokens from the shared test issuer, and a stand-in for media's one internal
avatar endpoint (the real media service is exercised by the e2e tests)."""

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from common.ids import new_id
from igscraper.config import Settings
from igscraper.main import create_app
from igscraper.worker import Worker, worker_options
from stack.processes import free_port
from tests.fakes.instagram import FakeInstagram

INTERNAL_TOKEN = "internal-test-token"


@dataclass
class MediaStandIn:
    """Records PUT /internal/ig-avatars/{id} as media's avatar cache would receive it."""

    port: int = field(default_factory=free_port)
    cached: dict[str, str] = field(default_factory=dict)
    refused: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def put_avatar(self, request: web.Request) -> web.Response:
        if request.headers.get("X-Internal-Token") != INTERNAL_TOKEN:
            self.refused += 1
            return web.json_response({"error": {"code": "forbidden"}}, status=403)
        self.cached[request.match_info["ig_user_id"]] = (await request.json())["url"]
        return web.json_response({"ok": True})


async def _serve(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


@pytest.fixture(scope="session")
async def media() -> AsyncIterator[MediaStandIn]:
    stand_in = MediaStandIn()
    app = web.Application()
    app.router.add_put("/internal/ig-avatars/{ig_user_id}", stand_in.put_avatar)
    runner = await _serve(app, stand_in.port)
    yield stand_in
    await runner.cleanup()


@pytest.fixture(scope="session")
def instagram() -> Iterator[FakeInstagram]:
    fake = FakeInstagram().start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def _no_faults(instagram: FakeInstagram) -> None:
    instagram.faults = type(instagram.faults)()
    instagram.requests = 0
    instagram.pages_served = 0


@pytest.fixture(scope="session")
async def settings(servers, fresh_database, token_issuer, media, instagram) -> Settings:
    return Settings(
        database_url=await fresh_database("test_igscraper"),
        redis_url=servers["redis"].url,
        queue_name=f"test-igscraper-{os.getpid()}:queue",
        users_stream=f"test-igscraper-{os.getpid()}:users",
        deletions_stream=f"test-igscraper-{os.getpid()}:deletions",
        jwks_url=token_issuer.jwks_url,
        credentials_key=Fernet.generate_key().decode(),
        instagram_base_url=instagram.url,
        media_url=media.url,
        internal_token=INTERNAL_TOKEN,
        public_url="http://gateway.test",
        # Pacing and back-off off (or nearly): the tests are about behaviour, not patience.
        min_request_interval_seconds=0,
        request_budget=0,
        backoff_base_seconds=0.2,
        backoff_max_seconds=1.0,
        queue_poll_seconds=0.2,
        worker_poll_delay_seconds=0.05,
        step_timeout_seconds=10,
        pages_per_step=5,
        max_concurrent_jobs=4,
        worker_heartbeat_seconds=1,
    )


@pytest.fixture(scope="session")
async def client(settings, client_for) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="session")
async def redis(settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis_url)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
async def worker(settings) -> AsyncIterator[Worker]:
    """A real ARQ worker on the test's event loop, consuming the test queue."""
    worker = Worker(**worker_options(settings), handle_signals=False)
    task = asyncio.create_task(worker.async_run())
    yield worker
    # close() cancels the jobs still running (avatar chains) and gathers them: their
    # CancelledError is the expected end, not a failure of the last test.
    with contextlib.suppress(asyncio.CancelledError):
        await worker.close()
    task.cancel()


@pytest.fixture
def user(token_issuer) -> dict[str, str]:
    """A fresh platform user's Authorization header."""
    return token_issuer.headers(str(new_id()))


@pytest.fixture
def other_user(token_issuer) -> dict[str, str]:
    return token_issuer.headers(str(new_id()))


FINISHED = ("completed", "failed", "cancelled")


@pytest.fixture(scope="session")
def finished(client: httpx.AsyncClient) -> Callable[..., Awaitable[dict[str, Any]]]:
    """`await finished(headers, analysis_id)`: poll until it ends (or `statuses`), with a
    deadline."""

    async def wait(
        headers: dict[str, str],
        analysis_id: str,
        statuses: tuple[str, ...] = FINISHED,
        timeout: float = 60,
    ) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                response = await client.get(f"/api/ig/analyses/{analysis_id}", headers=headers)
                body = response.json()
                if body["status"] in statuses:
                    return body
                await asyncio.sleep(0.1)

    return wait


@pytest.fixture(scope="session")
def submit(
    client: httpx.AsyncClient, instagram: FakeInstagram
) -> Callable[..., Awaitable[httpx.Response]]:
    """`await submit(headers, viewer, username=None)`: POST an analysis with a fresh
    session cookie of `viewer` on the fake."""

    async def post(headers: dict[str, str], viewer: Any, **body: Any) -> httpx.Response:
        session_id, csrf = instagram.session_for(viewer)
        payload = {"session_id": session_id, "csrf_token": csrf} | body
        return await client.post("/api/ig/analyses", json=payload, headers=headers)

    return post
