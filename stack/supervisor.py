"""Restarts what dies: every process of the native stack, servers included, with back-off.

One thread polls every watched process a few times a second. A process that exited is
reaped at once and what it left in its group is killed (no zombies, no stray Postgres
backends holding the data directory), then it is started again on the same port after a
back-off that doubles with every crash that follows too soon. Each death and each return
is reported with the time, so the stack's output tells what happened.
"""

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from stack.processes import ManagedProcess

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.1
FIRST_BACKOFF_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 15.0
# Up this long again, a process is healthy: its next crash restarts fast again.
STABLE_SECONDS = 10.0


@dataclass
class _Watched:
    process: ManagedProcess
    # True once it serves again (its port answers); None: as soon as it runs.
    ready: Callable[[], bool] | None
    crashes: int = 0  # in a row, each before it had been up for STABLE_SECONDS
    down_since: float | None = None
    restart_at: float | None = None
    started_at: float = 0.0
    back: bool = True


def describe_exit(code: int | None) -> str:
    if code is None:
        return "exited"
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"


class Supervisor:
    def __init__(self, report: Callable[[str], None] | None = None) -> None:
        """`report` gets one line per death and per return (default: this module's logger)."""
        self.report = report if report is not None else logger.warning
        self.lock = threading.RLock()  # held while a process is examined or (re)started
        self._watched: dict[str, _Watched] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, process: ManagedProcess, ready: Callable[[], bool] | None = None) -> None:
        with self.lock:
            self._watched[process.name] = _Watched(process, ready, started_at=time.monotonic())

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="stack-supervisor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop supervising (before the processes are stopped, so none comes back)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            with self.lock:
                for watched in list(self._watched.values()):
                    if self._stop.is_set():
                        return
                    try:
                        self._check(watched, time.monotonic())
                    except Exception:  # a failed restart is retried; the loop must live on
                        logger.exception("supervising %s failed", watched.process.name)

    def _check(self, w: _Watched, now: float) -> None:
        process, name = w.process, w.process.name
        if process.stopped:
            return
        if w.restart_at is not None:
            if not process.alive() and now < w.restart_at:
                return  # backing off
            w.restart_at = None
            w.started_at, w.back = now, False
            if not process.alive():  # else someone (Stack.restart) started it meanwhile
                try:
                    process.start()
                except Exception as error:
                    self._crashed(w, now, f"could not start ({error})")
            return
        if not process.alive():
            reason = describe_exit(process.exit_code)
            process.kill()  # reap it, and kill what it left in its group
            self._crashed(w, now, reason)
        elif not w.back:
            if w.ready is None or w.ready():
                w.back = True
                down = now - (w.down_since or now)
                w.down_since = None
                self.report(f"{_clock()} {name} is back (pid {process.pid}), down {down:.1f}s")
        elif w.crashes and now - w.started_at > STABLE_SECONDS:
            w.crashes = 0

    def _crashed(self, w: _Watched, now: float, reason: str) -> None:
        delay = min(FIRST_BACKOFF_SECONDS * 2**w.crashes, MAX_BACKOFF_SECONDS)
        w.crashes += 1
        w.down_since = w.down_since or now
        w.restart_at = now + delay
        self.report(f"{_clock()} {w.process.name} {reason}; restarting in {delay:.1f}s")


def _clock() -> str:
    return time.strftime("%H:%M:%S")
