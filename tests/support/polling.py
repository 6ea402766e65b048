"""Waiting in tests on state that another process or a background task changes: there is
nothing in this process to await, so poll it, with a deadline, never sleep-and-hope."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T]], *, timeout: float = 5.0, interval: float = 0.05
) -> T:
    """`check`'s first truthy result; TimeoutError once `timeout` seconds have passed."""
    async with asyncio.timeout(timeout):
        while not (result := await check()):  # noqa: ASYNC110
            await asyncio.sleep(interval)
        return result
