"""Fixtures every test folder shares: the real servers, and an HTTP client for an app.

Servers come from DATABASE_URL / REDIS_URL / S3_ENDPOINT when set (as in CI), otherwise
they are started once for the run by the same code as `uv run stack up`.
"""

import asyncio
import os
import signal
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import psutil
import pytest
from fastapi import FastAPI

# pytest (importlib mode) names gateway/tests/conftest.py "gateway.tests.conftest" and would
# bind "gateway" to the gateway/ folder; importing the real package first prevents that.
from gateway.config import Settings as GatewaySettings
from gateway.main import create_gateway
from gateway.server import GatewayServer
from media.config import Settings as MediaSettings
from stack.platform import Stack
from stack.servers import Server
from stack.settings import StackSettings
from tests.support.dirs import server_data_dir
from tests.support.token_issuer import TokenIssuer

_PREVIOUS_SIGTERM = pytest.StashKey[Any]()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a repeat must not cut the teardown short
    raise KeyboardInterrupt


def _interrupt_workers(signum: int, frame: FrameType | None) -> None:
    # The tests run in the workers (pytest-xdist), each its servers' and stacks' owner: each
    # ends through its own teardown, and the run when they have. Interrupted itself, this
    # process would kill them after a few seconds, mid-teardown.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for worker in psutil.Process().children():
        worker.send_signal(signal.SIGTERM)


def pytest_configure(config: pytest.Config) -> None:
    # A SIGTERM (a CI time limit, `timeout`) then ends the run through pytest's teardown, so
    # the servers and stacks the tests started stop too instead of outliving the run.
    controller = getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput")
    handler = _interrupt_workers if controller else _interrupt
    config.stash[_PREVIOUS_SIGTERM] = signal.signal(signal.SIGTERM, handler)


def pytest_unconfigure(config: pytest.Config) -> None:
    signal.signal(signal.SIGTERM, config.stash[_PREVIOUS_SIGTERM])


# pytest-timeout's dump shows threads only; a test stuck on the event loop shows nothing of
# what it awaits. This many seconds before the timeout, every pending task's stack is
# written to stderr (captured with the failure).
TASK_DUMP_LEAD_SECONDS = 15
_TASK_DUMP = pytest.StashKey[threading.Timer]()


def _await_chain(task: asyncio.Task[Any]) -> Iterator[str]:
    """Where a task waits, outermost call first. Task.print_stack shows only the task's own
    frame: the await chain below it (a client call inside a step) is what a hang needs."""
    awaitable: Any = task.get_coro()
    while awaitable is not None:
        frame = getattr(awaitable, "cr_frame", None) or getattr(awaitable, "gi_frame", None)
        if frame is not None:
            code = frame.f_code
            yield f'  File "{code.co_filename}", line {frame.f_lineno}, in {code.co_name}'
        awaitable = getattr(awaitable, "cr_await", None) or getattr(awaitable, "gi_yieldfrom", None)


def _dump_tasks(nodeid: str) -> None:
    print(f"--- asyncio tasks still pending in {nodeid}:", file=sys.stderr)
    # Tasks of every loop: the test's runs in another thread than this timer's.
    for task in list(asyncio.tasks._all_tasks):
        if not task.done():
            print(f"{task.get_name()} (cancelling: {task.cancelling()}):", file=sys.stderr)
            print(*_await_chain(task), sep="\n", file=sys.stderr)


def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> None:
    if settings.timeout and settings.timeout > TASK_DUMP_LEAD_SECONDS * 2:
        timer = threading.Timer(
            settings.timeout - TASK_DUMP_LEAD_SECONDS, _dump_tasks, args=(item.nodeid,)
        )
        timer.daemon = True
        timer.start()
        item.stash[_TASK_DUMP] = timer


def pytest_timeout_cancel_timer(item: pytest.Item) -> None:
    timer = item.stash.get(_TASK_DUMP, None)
    if timer is not None:
        timer.cancel()


# Two workers (pytest-xdist, `-n 2` in pyproject.toml), each test in one of two groups
# that run side by side. "own servers": the fault and CLI tests, which start (and kill) a
# PostgreSQL, Redis and S3 of their own. "shared servers": the rest, on the run's servers,
# in the order and with the connections of a run in one process: the machine's PostgreSQL
# has 100 connections, which the unit tests' apps and the e2e stacks at once would pass.
# Within a group the tests keep their order.
OWN_SERVERS_TESTS = ("tests/faults", "tests/stack")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    own = [config.rootpath / folder for folder in OWN_SERVERS_TESTS]
    for item in items:
        apart = any(folder in item.path.parents for folder in own)
        item.add_marker(pytest.mark.xdist_group("own servers" if apart else "shared servers"))


# A test's figures (a fault's errors and recovery time), printed after the run's summary,
# since pytest hides a passing test's output. They travel on the test's report, so they
# reach the summary from a worker process too.
FIGURES = "figures"


@pytest.fixture
def report_figure(request: pytest.FixtureRequest) -> Callable[[str], None]:
    return lambda line: request.node.user_properties.append((FIGURES, line))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = [
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", ())
        if name == FIGURES
    ]
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def server_settings() -> Iterator[StackSettings]:
    """Where the servers are (or will be started), and the S3 credentials."""
    with server_data_dir("pytest-servers-") as stack_dir:
        yield StackSettings(stack_dir=stack_dir)


@pytest.fixture(scope="session")
def servers(server_settings: StackSettings) -> Iterator[dict[str, Server]]:
    stack = Stack(server_settings)
    try:
        stack.start_servers()
        yield stack.servers
    finally:
        stack.stop()


@pytest.fixture(scope="session")
async def token_issuer() -> AsyncIterator[TokenIssuer]:
    """auth's stand-in for service tests: `token_issuer.jwks_url`, `token_issuer.headers(id)`."""
    issuer = TokenIssuer()
    await issuer.start()
    yield issuer
    await issuer.stop()


@pytest.fixture(scope="session")
def fresh_database(servers: dict[str, Server]) -> Callable[[str], Awaitable[str]]:
    """`await fresh_database("test_auth")`: that database dropped, its async URL returned
    (the service creates and migrates it on start, as in production)."""
    server = urlsplit(servers["postgres"].url)

    async def fresh(name: str) -> str:
        conn = await asyncpg.connect(server._replace(path="/postgres").geturl())
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        return server._replace(scheme="postgresql+asyncpg", path=f"/{name}").geturl()

    return fresh


@asynccontextmanager
async def _client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture(scope="session")
def client_for() -> Callable[[FastAPI], AbstractAsyncContextManager[httpx.AsyncClient]]:
    """`async with client_for(app) as client`: the app's lifespan runs (migrations, clients)
    and the client talks to it in-process."""
    return _client_for


@pytest.fixture(scope="session")
def start_gateway(servers: dict[str, Server]) -> Callable[..., GatewayServer]:
    """`async with start_gateway(social_url=..., ...) as url`: a gateway with those settings."""

    def start(**overrides: object) -> GatewayServer:
        settings = GatewaySettings(**{"redis_url": servers["redis"].url, **overrides})
        # Its own server (gateway/server.py), in this process, on a free port.
        return GatewayServer(create_gateway(settings), port=0)

    return start


@pytest.fixture(scope="session")
def media_settings(
    servers: dict[str, Server],
    server_settings: StackSettings,
    fresh_database: Callable[[str], Awaitable[str]],
    token_issuer: TokenIssuer,
) -> Callable[..., Awaitable[MediaSettings]]:
    """`await media_settings("test_x", **overrides)`: a real media service's settings, on
    the run's S3 (bucket and database of that name) and the test token issuer."""

    async def make(name: str, **overrides: Any) -> MediaSettings:
        return MediaSettings(
            **{
                "database_url": await fresh_database(name),
                "s3_endpoint": servers["s3"].url,
                "s3_access_key": server_settings.s3_access_key,
                "s3_secret_key": server_settings.s3_secret_key,
                # Bucket names allow no underscores.
                "s3_bucket": name.replace("_", "-"),
                "jwks_url": token_issuer.jwks_url,
                # Account deletions arrive on a stream of this run's own.
                "redis_url": servers["redis"].url,
                "users_stream": f"{name}-users-{os.getpid()}",
                "deletions_stream": f"{name}-deletions-{os.getpid()}",
                **overrides,
            }
        )

    return make
