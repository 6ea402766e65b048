"""A supervised stack heals itself: whatever is killed comes back, reaped, with no human action."""

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

import stack.supervisor
from stack.platform import GATEWAY, WORKER, Stack
from stack.processes import ManagedProcess, wait_for
from stack.servers import _remove_stale_lock
from stack.settings import StackSettings
from stack.supervisor import FIRST_BACKOFF_SECONDS, Supervisor
from tests.support.dirs import server_data_dir


class Reports(list[str]):
    def __call__(self, line: str) -> None:
        self.append(line)

    def seen(self, text: str) -> bool:
        return any(text in line for line in self)


def _zombies() -> list[psutil.Process]:
    return [c for c in psutil.Process().children() if c.status() == psutil.STATUS_ZOMBIE]


@pytest.fixture(scope="module")
def supervised() -> Iterator[tuple[Stack, Reports]]:
    # Its own servers, so that they can be killed: explicitly none of DATABASE_URL/REDIS_URL/
    # S3_ENDPOINT, which in CI name the machine's servers.
    with server_data_dir("stack-supervised-") as stack_dir:
        settings = StackSettings(
            database_url=None,
            redis_url=None,
            s3_endpoint=None,
            stack_dir=stack_dir,
            gateway_port=0,
            ready_timeout_seconds=240,
        )
        stack = Stack(settings)
        reports = Reports()
        try:
            stack.start()
            stack.supervise(reports)
            yield stack, reports
        finally:
            stack.stop()


def _healthy(stack: Stack) -> bool:
    try:
        return httpx.get(f"{stack.gateway_url}/health", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def _crash(process: ManagedProcess) -> int:
    """SIGKILL the process itself (not its group), as the OOM killer would."""
    pid = process.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    return pid


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", ["social", WORKER, GATEWAY, "postgres", "redis", "s3"])
def test_a_killed_process_comes_back_on_its_own(supervised, name):
    stack, reports = supervised
    process = stack.servers[name].process if name in stack.servers else stack.processes[name]
    assert process is not None
    wait_for(lambda: _healthy(stack), timeout=60, what="platform healthy before the kill")
    old_pid = _crash(process)
    killed_at = time.monotonic()

    # Restarted within about a second (a new pid), reaped, and serving again.
    wait_for(lambda: process.pid != old_pid and process.alive(), timeout=2, what="restart")
    assert time.monotonic() - killed_at < 2
    assert old_pid not in {z.pid for z in _zombies()}
    wait_for(lambda: reports.seen(f"{name} is back"), timeout=60, what=f"{name} back")
    wait_for(lambda: _healthy(stack), timeout=60, what="platform healthy after the kill")
    assert reports.seen(f"{name} killed by SIGKILL; restarting in")
    if name == "postgres":  # its lock file and its orphaned backends were no obstacle
        log = process.log_tail(200)
        assert "lock file" not in log and "already in use" not in log
    reports.clear()


def test_a_crash_loop_backs_off_and_a_stopped_process_stays_down(tmp_path: Path):
    crasher = ManagedProcess("crasher", ["sh", "-c", "exit 3"], log_path=tmp_path / "c.log")
    crasher.start()
    reports = Reports()
    supervisor = Supervisor(reports)
    supervisor.watch(crasher)
    supervisor.start()
    try:
        wait_for(lambda: len(reports) >= 4, timeout=10, what="three restarts")
        delays = [float(line.rsplit(" ", 1)[1].rstrip("s")) for line in reports[:4]]
        assert delays[0] == FIRST_BACKOFF_SECONDS
        assert delays == [delays[0] * 2**i for i in range(4)]
        assert all("exited with status 3" in line for line in reports[:4])
        crasher.stop()
        count = len(reports)
        time.sleep(3 * FIRST_BACKOFF_SECONDS)  # proving a negative: it must stay down
        assert len(reports) == count and not crasher.alive()
    finally:
        supervisor.stop()
        crasher.stop()
    assert _zombies() == []


def test_a_stale_postmaster_pid_is_removed_unless_a_postgres_holds_it(tmp_path: Path):
    lock = tmp_path / "postmaster.pid"
    lock.write_text(f"{os.getpid()}\n{tmp_path}\n")  # a live pid, but not a Postgres
    _remove_stale_lock(tmp_path)
    assert not lock.exists()

    sleeper = psutil.Popen(["sleep", "30"])
    sleeper.kill()
    sleeper.wait()
    lock.write_text(f"{sleeper.pid}\n")  # a pid nothing holds any more
    _remove_stale_lock(tmp_path)
    assert not lock.exists()


def test_a_process_restarted_by_hand_while_backing_off_is_taken_as_back(tmp_path, monkeypatch):
    monkeypatch.setattr(stack.supervisor, "FIRST_BACKOFF_SECONDS", 10.0)
    sleeper = ManagedProcess("sleeper", ["sleep", "300"], log_path=tmp_path / "s.log")
    sleeper.start()
    reports = Reports()
    supervisor = Supervisor(reports)
    supervisor.watch(sleeper)
    supervisor.start()
    try:
        _crash(sleeper)
        wait_for(lambda: reports.seen("restarting in 10.0s"), timeout=5, what="crash seen")
        with supervisor.lock:  # what Stack.restart does
            sleeper.stop()
            sleeper.start()
        wait_for(lambda: reports.seen("sleeper is back"), timeout=5, what="taken as back")
        assert not reports.seen("could not start")
        assert sleeper.alive()
    finally:
        supervisor.stop()
        sleeper.stop()
