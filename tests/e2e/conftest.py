"""The whole platform, started by the same code as `uv run stack up`, on free ports.

Third parties (Kakao, Google, Meta, Instagram, the AI service) are local fakes; each fake's
session fixture returns the settings that point the services at it, and is listed in FAKES.
"""

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from stack import web
from stack.platform import SERVICES, Stack
from stack.servers import Server
from stack.settings import StackSettings
from tests.fakes.ai_service import FakeAiService
from tests.fakes.instagram import FakeInstagram
from tests.fakes.oauth_providers import OAuthFakes

# Fixture names; each returns {"SETTING": "value"} for the services.
FAKES: list[str] = []

# The shared stack serves every test from one address; tests/e2e/test_gateway.py checks the
# real limits on a gateway of its own.
RELAXED_RATE_LIMITS = {
    f"GATEWAY_RATE_LIMIT_{bucket}": "100000/minute"
    for bucket in ("ANONYMOUS", "AUTHENTICATED", "LOGIN", "REGISTER", "ANALYSES", "INBOX")
}


@pytest.fixture(scope="session")
def oauth_providers() -> Iterator[OAuthFakes]:
    """Fake Kakao, Google and Meta (tests/fakes/oauth_providers.py)."""
    fakes = OAuthFakes().start()
    yield fakes
    fakes.stop()


@pytest.fixture(scope="session")
def oauth_provider_env(oauth_providers: OAuthFakes) -> dict[str, str]:
    # A reused refresh token revokes at once, and a throttled login reopens in seconds.
    timings = {"AUTH_REFRESH_REUSE_GRACE_SECONDS": "0", "AUTH_LOGIN_WINDOW_SECONDS": "3"}
    return oauth_providers.env() | timings


FAKES.append("oauth_provider_env")


@pytest.fixture(scope="session")
def ai_service() -> Iterator[FakeAiService]:
    """The fake AI image service (tests/fakes/ai_service.py); tests switch its `mode`."""
    fake = FakeAiService().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def ai_service_env(ai_service: FakeAiService) -> dict[str, str]:
    # A short AI deadline keeps the "slow" case quick; a small quota lets tests fill it.
    return {
        "MEDIA_AI_SERVICE_URL": ai_service.url,
        "MEDIA_AI_TIMEOUT_SECONDS": "2",
        "MEDIA_QUOTA_BYTES": str(8 * 1024 * 1024),
    }


FAKES.append("ai_service_env")


@pytest.fixture(scope="session")
def instagram() -> Iterator[FakeInstagram]:
    """The fake Instagram web API (tests/fakes/instagram.py); tests build graphs, inject faults."""
    fake = FakeInstagram().start()
    yield fake
    fake.stop()


def fast_instagram_settings(url: str) -> dict[str, str]:
    """igscraper's settings for a fake Instagram at `url`: pacing off and back-offs short;
    a 4 s step timeout brings a killed step back in 14 s."""
    return {
        "IGSCRAPER_INSTAGRAM_BASE_URL": url,
        "IGSCRAPER_MIN_REQUEST_INTERVAL_SECONDS": "0",
        "IGSCRAPER_REQUEST_BUDGET": "0",
        "IGSCRAPER_BACKOFF_BASE_SECONDS": "0.2",
        "IGSCRAPER_BACKOFF_MAX_SECONDS": "1",
        "IGSCRAPER_STEP_TIMEOUT_SECONDS": "4",
        "IGSCRAPER_PAGES_PER_STEP": "5",
        "IGSCRAPER_QUEUE_POLL_SECONDS": "0.2",
        "IGSCRAPER_WORKER_POLL_DELAY_SECONDS": "0.05",
        # Keep-alives well inside the short gateway timeout of the event stream test.
        "IGSCRAPER_EVENTS_KEEPALIVE_SECONDS": "0.2",
    }


@pytest.fixture(scope="session")
def instagram_env(instagram: FakeInstagram) -> dict[str, str]:
    return fast_instagram_settings(instagram.url)


FAKES.append("instagram_env")


@pytest.fixture(scope="session")
def mail_env() -> dict[str, str]:
    # The mail relay retries at most every second while the SMTP sink is stopped, so a
    # test that brings it back sees the mail within seconds.
    return {"AUTH_MAIL_RETRY_MAX_SECONDS": "1", "AUTH_MAIL_POLL_SECONDS": "0.2"}


FAKES.append("mail_env")

# Federation between stacks on loopback (tests/e2e/test_federation.py, the browser's):
# deliveries and inbound activities are picked up at once, and a failed delivery comes
# back within a second, so each step of the story is seen within a few seconds.
FAST_FEDERATION = {
    "FEDERATION_ALLOW_PRIVATE_PEERS": "true",
    "FEDERATION_INBOX_INTERVAL_SECONDS": "0.2",
    "FEDERATION_INBOX_RETRY_BASE_SECONDS": "0.5",
    "FEDERATION_DELIVERY_INTERVAL_SECONDS": "0.2",
    "FEDERATION_DELIVERY_RETRY_BASE_SECONDS": "0.5",
    "SOCIAL_FEDERATION_RELAY_INTERVAL_SECONDS": "0.5",
    "SOCIAL_FEDERATION_RETRY_BASE_SECONDS": "0.5",
}


@pytest.fixture(scope="session")
def federation_env() -> dict[str, str]:
    # The shared stack is one side of the federation tests (test_federation.py, the
    # browser's): a second stack on this machine is its peer.
    return FAST_FEDERATION


FAKES.append("federation_env")

# Unique per run, so concurrent runs on one server never share a database or a queue.
PREFIX = f"e2e{os.getpid()}_"


@pytest.fixture(scope="session")
def third_party_env(request: pytest.FixtureRequest) -> dict[str, str]:
    env: dict[str, str] = {}
    for fixture in FAKES:
        env |= request.getfixturevalue(fixture)
    return env


# Up to four stacks share the machine's PostgreSQL (100 connections) in a run, replicas
# doubling one of them: each process keeps few connections (3, bursting to 6).
SMALL_POOLS = {f"{service.upper()}_DATABASE_POOL_SIZE": "3" for service in SERVICES}


def stack_on(
    servers: dict[str, Server],
    stack_dir: Path,
    *,
    prefix: str,
    env: dict[str, str],
    **settings: Any,
) -> Stack:
    """A whole platform on the test servers, isolated from others by its name prefix."""
    return Stack(
        StackSettings(
            database_url=servers["postgres"].url,
            redis_url=servers["redis"].url,
            s3_endpoint=servers["s3"].url,
            stack_dir=stack_dir,
            name_prefix=prefix,
            strict_cors=True,
            **settings,
        ),
        extra_env=SMALL_POOLS | RELAXED_RATE_LIMITS | env,
    )


async def drop_databases(fresh_database: Callable[[str], Awaitable[str]], prefix: str) -> None:
    for service in SERVICES:
        await fresh_database(f"{prefix}{service}")  # drops it


def drop_databases_now(fresh_database: Callable[[str], Awaitable[str]], prefix: str) -> None:
    """drop_databases from a sync fixture: on a loop of its own thread, since the caller's
    thread may be running one (Playwright's)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, drop_databases(fresh_database, prefix)).result()


@pytest.fixture(scope="session")
def web_app() -> None:
    """The web app the gateway serves at /, built once per run (only when stale)."""
    if web.stale():
        web.build()


@pytest.fixture(scope="session")
def platform(
    web_app: None,
    servers: dict[str, Server],
    fresh_database: Callable[[str], Awaitable[str]],
    third_party_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """The suite's shared stack. Sync, so a browser test (on Playwright's loop) may be the
    first to ask for it."""
    stack = stack_on(
        servers,
        tmp_path_factory.mktemp("stack"),
        prefix=PREFIX,
        env=third_party_env,
        gateway_port=0,
        frontend_url="http://frontend.test",
    )
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
        drop_databases_now(fresh_database, PREFIX)


@pytest.fixture(scope="session")
def mail_dir(platform: Stack) -> Path:
    """Where the stack's SMTP sink keeps each message it received (tests/e2e/mailbox.py
    reads it); `platform.mail.process` stops and starts the sink."""
    return platform.mail_dir


@pytest.fixture
async def gateway(platform: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as client:
        yield client
