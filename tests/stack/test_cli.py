"""`uv run stack up` as a developer runs it: ready, then Ctrl-C leaves nothing behind."""

import os
import signal
import subprocess
import sys

import httpx
import psutil

from stack.processes import wait_for


def test_ctrl_c_stops_every_process_it_started(servers, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": servers["postgres"].url,
        "REDIS_URL": servers["redis"].url,
        "S3_ENDPOINT": servers["s3"].url,
        "STACK_DIR": str(tmp_path / "stack"),
        "GATEWAY_PORT": "0",
    }
    log = tmp_path / "stack.log"
    with log.open("wb") as out:
        up = subprocess.Popen(
            [sys.executable, "-m", "stack.cli", "up"], env=env, stdout=out, stderr=out
        )
    started: list[psutil.Process] = []
    try:
        wait_for(lambda: b"ready in" in log.read_bytes(), timeout=90, what="stack up")
        gateway = next(
            line.split()[1] for line in log.read_text().splitlines() if "gateway" in line
        )
        assert httpx.get(f"{gateway}/health", timeout=5).status_code == 200
        started = psutil.Process(up.pid).children(recursive=True)
        assert len(started) >= 6  # four services, the worker, the gateway
        # A terminal's Ctrl-C, then uv forwarding it, arriving while shutdown runs.
        up.send_signal(signal.SIGINT)
        wait_for(lambda: "stopping" in log.read_text(), timeout=10, what="shutdown")
        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=60) == 0
        alive = [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert alive == [], [p.cmdline() for p in alive]
    finally:
        if up.poll() is None:
            up.kill()
        for child in started:  # a failed run leaves nothing behind either
            if child.is_running():
                child.kill()
    assert "stopped." in log.read_text()
