"""The background loop policy: one line when an outage begins, one when it ends, back-off
in between, and the loop's work resumes by itself."""

import asyncio
import logging

from common.loops import BackgroundLoop, Outage
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


async def test_a_step_that_will_not_unwind_does_not_hold_the_shutdown(caplog, monkeypatch):
    monkeypatch.setattr("common.loops.STOP_SECONDS", 0.2)
    release, started, unwound = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def stuck() -> bool:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await release.wait()  # a client's cleanup that does not end
            unwound.set()
            raise
        return False

    loop = BackgroundLoop("stuck loop", stuck, interval_seconds=1)
    loop.start()
    await started.wait()
    async with asyncio.timeout(2):
        await loop.stop()
    assert "stuck loop did not stop in 0 s; left behind" in caplog.text
    release.set()  # let it end, so that it does not outlive the test
    await unwound.wait()
