"""The background loop policy: one line when an outage begins, one when it ends, back-off
in between, and the loop's work resumes by itself."""

import asyncio
import contextlib
import logging
import random

from redis.asyncio import Redis

from common.loops import BackgroundLoop, Outage
from common.redis import READ_TIMEOUT_SECONDS
from tests.support.polling import eventually


async def test_a_loop_outlives_an_outage_with_one_line_for_it(caplog):
    caplog.set_level(logging.INFO, logger="common.loops")
    down = True
    done: list[int] = []

    async def step() -> bool:
        if down:
            raise ConnectionError("refused")
        done.append(1)
        return False

    async with BackgroundLoop(
        "test loop", step, interval_seconds=0.01, first_retry_seconds=0.001, max_retry_seconds=0.01
    ) as loop:
        await eventually(lambda: _value(loop.outage.attempts >= 10))
        down = False
        await eventually(lambda: _value(len(done) >= 3))
    lines = [r for r in caplog.records if r.name == "common.loops"]
    assert [r.levelno for r in lines] == [logging.WARNING, logging.INFO]
    assert "test loop failing (ConnectionError)" in lines[0].getMessage()
    assert "refused" not in lines[0].getMessage()
    assert "test loop recovered after" in lines[1].getMessage()
    assert lines[0].exc_info is None


async def test_back_off_doubles_up_to_its_cap():
    outage = Outage("x", first_retry_seconds=1, max_retry_seconds=5)
    delays = [outage.failed(OSError()) for _ in range(5)]
    assert delays == [1, 2, 4, 5, 5]
    outage.succeeded()
    assert outage.failed(OSError()) == 1


async def test_a_busy_step_runs_again_at_once_and_stop_cancels_it():
    calls = 0

    async def step() -> bool:
        nonlocal calls
        calls += 1
        return calls < 5  # a full batch: more may be waiting

    loop = BackgroundLoop("busy", step, interval_seconds=3600)
    loop.start()
    await eventually(lambda: _value(calls >= 5))
    await loop.stop()
    assert calls == 5


async def _value(value: bool) -> bool:
    await asyncio.sleep(0)
    return value


async def test_a_cancellation_a_step_swallowed_still_stops_the_loop():
    steps = 0

    async def swallowing() -> bool:
        nonlocal steps
        steps += 1
        # What Python 3.11's asyncio.wait_for does when the cancellation arrives as its
        # awaitable completes: return normally, the cancellation forgotten.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(3600)
        return True

    loop = BackgroundLoop("swallowing loop", swallowing, interval_seconds=0)
    loop.start()
    await eventually(lambda: _value(steps == 1))
    async with asyncio.timeout(2):
        await loop.stop()
    assert steps == 1


async def test_a_loop_sending_to_redis_stops_whenever_it_is_stopped(servers):
    """redis-py sends each command through asyncio.wait_for: a stop landing as a send
    completed was lost, and a stream consumer looped on through its app's shutdown (the CI
    hang). Stopped at many random moments, the loop must end every time."""
    redis = Redis.from_url(
        servers["redis"].url, socket_timeout=READ_TIMEOUT_SECONDS, decode_responses=True
    )

    async def pinging() -> bool:
        await redis.ping()
        return True

    try:
        for _ in range(200):
            loop = BackgroundLoop("pinging loop", pinging, interval_seconds=0)
            loop.start()
            await asyncio.sleep(random.random() * 0.003)
            async with asyncio.timeout(5):
                await loop.stop()
    finally:
        await redis.aclose()
