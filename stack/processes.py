"""Child processes for the native stack: free ports, readiness waits, process groups."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

_handed_out: set[int] = set()
_handed_out_lock = threading.Lock()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now, chosen by the kernel.

    Never the same port twice per process: servers started concurrently each ask
    before any of them binds, and the kernel may offer a just-released port again.
    """
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port = int(sock.getsockname()[1])
        with _handed_out_lock:
            if port not in _handed_out:
                _handed_out.add(port)
                return port


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for(
    check: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    interval: float = 0.1,
    process: ManagedProcess | None = None,
) -> None:
    """Poll `check` until it returns True; fail fast if `process` dies meanwhile."""
    deadline = time.monotonic() + timeout
    last_error = ""
    while True:
        try:
            if check():
                return
        except Exception as error:  # a check that raises is simply "not ready yet"
            last_error = f" (last check: {error!r})"
        if process is not None and not process.alive():
            raise RuntimeError(f"{what}: process exited early\n{process.log_tail()}")
        if time.monotonic() >= deadline:
            tail = f"\n{process.log_tail()}" if process is not None else ""
            raise TimeoutError(f"{what} not ready after {timeout}s{last_error}{tail}")
        time.sleep(interval)


class ManagedProcess:
    """A server in its own process group, so stopping it also stops its children."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        log_path: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
        stop_signal: signal.Signals = signal.SIGTERM,
        stop_timeout: float = 10.0,
        cleanup: list[Path] | None = None,
        prepare: Callable[[], None] | None = None,
    ) -> None:
        """`stop_signal`/`stop_timeout`: how `stop()` asks for a graceful exit and how
        long it waits by default; `cleanup`: paths to delete once the process is gone;
        `prepare`: run before every start (a restart too)."""
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.env = env or {}
        self.cwd = cwd
        self.user = user
        self.stop_signal = stop_signal
        self.stop_timeout = stop_timeout
        self.cleanup = cleanup or []
        self.prepare = prepare
        self._popen: subprocess.Popen[bytes] | None = None
        self._finished = False  # group killed and reaped: never signal that pgid again
        # Stopped on purpose (not crashed): a supervisor leaves it down.
        self.stopped = False

    def __repr__(self) -> str:
        return f"ManagedProcess({self.name!r}, pid={self.pid})"

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen is not None else None

    @property
    def exit_code(self) -> int | None:
        """The last run's exit status (negative: killed by that signal), None while it runs."""
        return self._popen.poll() if self._popen is not None else None

    def start(self) -> None:
        """Start it; again after it has exited and been reaped by stop() or kill()."""
        if self._popen is not None and not self._finished:
            raise RuntimeError(f"{self.name} already started")
        if self.prepare is not None:
            self.prepare()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # Drop every root group too, not just the uid, when running as another user.
        account = pwd.getpwnam(self.user) if self.user is not None else None
        with self.log_path.open("ab") as log:
            self._popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                cwd=self.cwd,
                user=account.pw_uid if account else None,
                group=account.pw_gid if account else None,
                extra_groups=[] if account else None,
                start_new_session=True,  # own group: one killpg reaches every descendant
            )
        self._finished = False
        self.stopped = False

    def alive(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def signal_group(self, sig: signal.Signals) -> None:
        if self._popen is None:
            return
        # pgid == pid because of start_new_session; signalling the group also reaches
        # children that outlive the leader.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._popen.pid, sig)

    def stop(self, timeout: float | None = None) -> None:
        """Graceful stop of the whole group, SIGKILL after `timeout`; safe to repeat."""
        self.stopped = True
        if self._popen is None or self._finished:
            return
        if self._popen.poll() is None:
            self.signal_group(self.stop_signal)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._popen.wait(self.stop_timeout if timeout is None else timeout)
        self.kill()  # also after a clean leader exit: stragglers in the group would be orphans

    def kill(self) -> None:
        """SIGKILL the whole group now and reap it (a crash, or what is left after one)."""
        if self._popen is None or self._finished:
            return
        self.signal_group(signal.SIGKILL)
        self._popen.wait()
        self._finished = True
        for path in self.cleanup:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])
