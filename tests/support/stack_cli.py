"""`uv run stack up` as a person or a supervisor starts it: in a session of its own, with
nothing but the checkout (its own PostgreSQL, Redis and S3), output to a log file."""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from stack.processes import wait_for

ROOT = Path(__file__).resolve().parents[2]


def stack_env(stack_dir: Path) -> dict[str, str]:
    # A generous start: a busy machine can take minutes to boot every process.
    env = {
        **os.environ,
        "STACK_DIR": str(stack_dir),
        "GATEWAY_PORT": "0",
        "READY_TIMEOUT_SECONDS": "240",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "S3_ENDPOINT"):
        env.pop(name, None)
    return env


def stack_up(env: dict[str, str], log: Path, *options: str) -> subprocess.Popen[bytes]:
    """`uv run stack up [options]` in a session of its own, as systemd or a CI job starts it."""
    uv = shutil.which("uv")
    argv = [uv, "run", "--no-sync", "stack"] if uv else [sys.executable, "-m", "stack.cli"]
    with log.open("ab") as out:
        return subprocess.Popen(
            [*argv, "up", *options],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def wait_ready(up: subprocess.Popen[bytes], log: Path, runs: int = 1) -> str:
    """Waits for the `runs`-th "ready" in the log; the gateway's URL it printed."""
    wait_for(
        lambda: log.read_text().count("ready in") >= runs or up.poll() is not None,
        timeout=300,
        what="stack up",
    )
    assert up.poll() is None, log.read_text()
    return [line.split()[1] for line in log.read_text().splitlines() if "gateway " in line][-1]


def stop(up: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the stack's group, as a supervisor stops it; SIGKILL if it hangs."""
    if up.poll() is not None:
        return
    os.killpg(up.pid, signal.SIGTERM)
    try:
        up.wait(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(up.pid, signal.SIGKILL)
        raise
