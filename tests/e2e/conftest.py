"""The whole platform, started by the same code as `uv run stack up`, on free ports."""

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from stack.platform import SERVICES, Stack
from stack.servers import Server
from stack.settings import StackSettings


@pytest.fixture(scope="session")
async def platform(
    servers: dict[str, Server],
    fresh_database: Callable[[str], Awaitable[str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Stack]:
    for service in SERVICES:  # every run starts from empty databases
        await fresh_database(f"e2e_{service}")
    settings = StackSettings(
        database_url=servers["postgres"].url,
        redis_url=servers["redis"].url,
        s3_endpoint=servers["s3"].url,
        stack_dir=tmp_path_factory.mktemp("stack"),
        gateway_port=0,
        name_prefix="e2e_",
        strict_cors=True,
        frontend_url="http://frontend.test",
    )
    stack = Stack(settings)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
async def gateway(platform: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as client:
        yield client
