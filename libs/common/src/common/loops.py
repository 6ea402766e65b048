"""One way to run a background loop (outbox relays, stream consumers, sweepers, syncs, the
ARQ worker's poll), with one policy for outages of what it depends on: a log line when an
outage begins and one when it ends, never one per attempt; exponential back-off between
attempts meanwhile; and the loop resumes by itself once the dependency is back.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 30.0


def honour_lost_cancellation() -> None:
    """Raise CancelledError if this task was cancelled and the cancellation got lost.

    Python 3.11's asyncio.wait_for swallows a cancellation that arrives just as what it
    waits for completes (CPython gh-86296, fixed in 3.12), and redis-py sends every command
    through wait_for when a socket timeout is set: a stop that landed during a send left a
    stream consumer looping for ever (the CI hang in the in-process service tests). The
    request still counts on the task (`cancelling()`), so a loop honours it between steps.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class Outage:
    """The failure state of one loop: when failing began, and the next back-off."""

    def __init__(
        self,
        name: str,
        *,
        first_retry_seconds: float = FIRST_RETRY_SECONDS,
        max_retry_seconds: float = MAX_RETRY_SECONDS,
    ) -> None:
        self.name = name
        self.first_retry_seconds = first_retry_seconds
        self.max_retry_seconds = max_retry_seconds
        self.since: float | None = None
        self.attempts = 0

    def failed(self, exc: BaseException) -> float:
        """Note a failed attempt; returns how long to wait before the next one."""
        if self.since is None:
            self.since = time.monotonic()
            # The type only: a database error's text can carry statement parameters.
            logger.warning(
                "%s failing (%s); retrying with back-off until it recovers",
                self.name,
                type(exc).__name__,
            )
        # The traceback, for whoever debugs the loop itself, not for an outage's log.
        logger.debug("%s attempt failed", self.name, exc_info=exc)
        delay = min(self.first_retry_seconds * 2**self.attempts, self.max_retry_seconds)
        self.attempts = min(self.attempts + 1, 32)
        result: float = delay
        return result

    def succeeded(self) -> None:
        if self.since is not None:
            logger.info("%s recovered after %.1f s", self.name, time.monotonic() - self.since)
        self.since = None
        self.attempts = 0

    async def attempt(self, step: Callable[[], Awaitable[None]]) -> bool:
        """Run `step` once under the policy: False (after the back-off) if it failed."""
        try:
            await step()
        except Exception as exc:
            honour_lost_cancellation()
            await asyncio.sleep(self.failed(exc))
            return False
        honour_lost_cancellation()
        self.succeeded()
        return True


# A step returns True when there may be more to do at once (it handled a full batch).
Step = Callable[[], Awaitable[bool | None]]


class BackgroundLoop:
    """`step` run forever, every `interval_seconds` (at once again while it returns True),
    under the outage policy. An async context manager for a lifespan's exit stack, or
    `start()`/`stop()`."""

    def __init__(
        self,
        name: str,
        step: Step,
        *,
        interval_seconds: float,
        first_run_after: float = 0.0,
        first_retry_seconds: float = FIRST_RETRY_SECONDS,
        max_retry_seconds: float = MAX_RETRY_SECONDS,
    ) -> None:
        self.name = name
        self.step = step
        self.interval_seconds = interval_seconds
        self.first_run_after = first_run_after
        self.outage = Outage(
            name, first_retry_seconds=first_retry_seconds, max_retry_seconds=max_retry_seconds
        )
        self._task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        await asyncio.sleep(self.first_run_after)
        while True:
            try:
                more = await self.step()
            except Exception as exc:
                honour_lost_cancellation()
                await asyncio.sleep(self.outage.failed(exc))
                continue
            honour_lost_cancellation()
            self.outage.succeeded()
            if not more:
                await asyncio.sleep(self.interval_seconds)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            # Waits for the step to unwind (its clients' timeouts bound it); a lost
            # cancellation ends the loop after the step it landed in.
            await asyncio.wait({self._task})
            self._task = None

    async def __aenter__(self) -> "BackgroundLoop":
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
