"""`uv run stack up` (Ctrl-C stops everything), `stack up --detach`, and `stack down`."""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from stack.platform import Stack
from stack.processes import wait_for
from stack.settings import StackSettings


def _state_file(settings: StackSettings) -> Path:
    return settings.stack_dir.resolve() / "state.json"


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGTERM (stack down, a supervisor) takes the same clean path as Ctrl-C.
    raise KeyboardInterrupt


def run_foreground(settings: StackSettings) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    stack = Stack(settings)
    state = _state_file(settings)
    print("starting the platform…", flush=True)
    started = time.monotonic()
    try:
        stack.start()
        summary = stack.describe()
        state.write_text(json.dumps({"pid": os.getpid(), "summary": summary}))
        print(
            f"ready in {time.monotonic() - started:.1f}s\n{summary}\nCtrl-C stops it.", flush=True
        )
        reported: set[str] = set()
        while True:
            time.sleep(1)
            for name, process in stack.processes.items():
                if not process.alive() and name not in reported:
                    reported.add(name)
                    print(f"warning: {name} exited; see {process.log_path}", flush=True)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        # A terminal's Ctrl-C reaches uv and us alike, and uv passes it on: the repeats
        # must not cut the shutdown short and leave processes behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
        state.unlink(missing_ok=True)
    print("stopped.", flush=True)
    return 0


def run_detached(settings: StackSettings) -> int:
    state = _state_file(settings)
    state.parent.mkdir(parents=True, exist_ok=True)
    state.unlink(missing_ok=True)
    log = (state.parent / "stack.log").open("ab")
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "stack.cli", "up"],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "GATEWAY_PORT": str(settings.gateway_port)},
    )
    try:
        wait_for(
            lambda: state.exists() or supervisor.poll() is not None,
            timeout=settings.ready_timeout_seconds + 30,
            what="stack",
        )
    except TimeoutError:
        supervisor.terminate()
        raise
    if not state.exists():
        print(f"the stack failed to start; see {state.parent / 'stack.log'}", file=sys.stderr)
        return 1
    print(json.loads(state.read_text())["summary"])
    print("running in the background; `uv run stack down` stops it.")
    return 0


def run_down(settings: StackSettings) -> int:
    state = _state_file(settings)
    if not state.exists():
        print("no detached stack is running here.")
        return 0
    pid = json.loads(state.read_text())["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        state.unlink(missing_ok=True)
        return 0
    wait_for(lambda: not state.exists(), timeout=60, what="stack shutdown")
    print("stopped.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start the whole platform")
    up.add_argument("--detach", "-d", action="store_true", help="run in the background")
    up.add_argument("--port", type=int, help="gateway port (default 8000, 0 for any)")
    commands.add_parser("down", help="stop a detached stack")
    args = parser.parse_args(argv)

    settings = StackSettings()
    if getattr(args, "port", None) is not None:
        settings = settings.model_copy(update={"gateway_port": args.port})
    if args.command == "down":
        return run_down(settings)
    if args.detach:
        return run_detached(settings)
    return run_foreground(settings)


if __name__ == "__main__":
    sys.exit(main())
