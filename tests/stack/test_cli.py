"""`uv run stack up` as a developer and a supervisor run it: ready, then a stop signal
(repeated, as uv and a group signal repeat it) leaves nothing behind."""

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

import stack.cli
from stack.processes import port_open, wait_for
from tests.support.dirs import server_data_dir
from tests.support.stack_cli import stack_env, stack_up, wait_ready


@pytest.fixture
def stack_dir() -> Iterator[Path]:
    with server_data_dir("stack-cli-") as path:
        yield path


def _family(up: subprocess.Popen[bytes]) -> tuple[list[psutil.Process], set[int]]:
    """Every process under the stack (services, worker, gateway, servers and their
    children) and the TCP ports they listen on."""
    processes = psutil.Process(up.pid).children(recursive=True)
    ports = set()
    for process in processes:
        try:
            connections = process.net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        ports |= {c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN}
    return processes, ports


def _running(processes: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            continue
    return alive


def _assert_all_gone(processes: list[psutil.Process], ports: set[int]) -> None:
    wait_for(lambda: not _running(processes), timeout=10, what="every child gone")
    assert [p for p in ports if port_open(p)] == []


def _stop_group(up: subprocess.Popen[bytes], sig: signal.Signals, seconds: float) -> None:
    """`sig` to the whole group, back to back for `seconds`: repeats land at every point
    of the shutdown's first moments, wherever uv's forwarded copy or a supervisor's second
    `kill -- -PGID` would happen to land."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and up.poll() is None:
        os.killpg(up.pid, sig)


@pytest.mark.timeout(900)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
def test_a_repeated_group_signal_stops_everything_and_the_stack_starts_again(
    tmp_path: Path, stack_dir: Path, sig: signal.Signals
):
    log = tmp_path / "stack.log"
    env = stack_env(stack_dir)
    started: list[psutil.Process] = []
    up = stack_up(env, log)
    try:
        gateway = wait_ready(up, log)
        assert httpx.get(f"{gateway}/health", timeout=5).status_code == 200
        started, ports = _family(up)
        # five services, the worker, the gateway, Postgres, Redis and weed, each listening
        assert len(started) >= 10 and len(ports) >= 9
        # The group signal reaches uv and the stack, uv forwards its copy, and then the
        # supervisor (or an impatient user) sends it all again.
        _stop_group(up, sig, seconds=0.2)
        up.wait(timeout=90)
        output = log.read_text()
        assert "Traceback" not in output and "stopped." in output, output
        _assert_all_gone(started, ports)

        # The same directory starts again: no Postgres or lock file left in the way.
        up = stack_up(env, log)
        gateway = wait_ready(up, log, runs=2)
        assert httpx.get(f"{gateway}/health", timeout=5).status_code == 200
        started, ports = _family(up)
        os.killpg(up.pid, signal.SIGTERM)
        up.wait(timeout=90)
        _assert_all_gone(started, ports)
        assert "Traceback" not in log.read_text()
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
        for child in _running(started):  # a failed run leaves nothing behind either
            child.kill()


class StopSignalsUnderTest:
    """The handler with a clock the test moves, recording each force-kill."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1000.0
        monkeypatch.setattr(stack.cli.time, "monotonic", lambda: self.now)
        self.forced: list[bool] = []
        self.handler = stack.cli.StopSignals(force_kill=lambda: self.forced.append(True))

    def __call__(self, sig: signal.Signals) -> None:
        self.handler(sig, None)


def test_only_the_first_signal_interrupts_and_three_ctrl_c_force_kill(monkeypatch):
    signals = StopSignalsUnderTest(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        signals(signal.SIGINT)
    for _ in range(5):  # uv's copies and a supervisor's repeats, all within one press
        signals(signal.SIGTERM)
        signals(signal.SIGINT)
    signals.now += 1
    signals(signal.SIGINT)  # second press: a hint, no more
    assert signals.forced == []
    signals.now += 1
    signals(signal.SIGINT)  # third press within the window
    assert signals.forced == [True]
    signals.now += 1
    signals(signal.SIGINT)
    assert signals.forced == [True]


def test_ctrl_c_presses_far_apart_never_force_kill(monkeypatch):
    signals = StopSignalsUnderTest(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        signals(signal.SIGINT)
    for _ in range(4):
        signals.now += stack.cli.FORCE_WINDOW_SECONDS / 1.5
        signals(signal.SIGINT)
    assert signals.forced == []
