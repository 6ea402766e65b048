"""`uv run stack up` (Ctrl-C stops everything), `stack up --detach`, and `stack down`."""

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from stack import web
from stack.mail_sink import NewMail
from stack.platform import REPLICA_ALIASES, REPLICABLE, Stack
from stack.processes import wait_for
from stack.settings import StackSettings


def _state_file(settings: StackSettings) -> Path:
    return settings.stack_dir.resolve() / "state.json"


# uv passes on the copy of a signal it got from the terminal or the group a moment later:
# signals this close together are one Ctrl-C press.
SAME_PRESS_SECONDS = 0.3
# Three presses within this window force-kill the children instead of waiting for them.
FORCE_WINDOW_SECONDS = 5.0


class StopSignals:
    """SIGINT/SIGTERM → one shutdown that nothing cuts short.

    The first signal raises KeyboardInterrupt (abandoning a start in progress too). From
    that moment the handler never raises again, so a repeat (uv forwarding its copy, a
    supervisor signalling the group twice) cannot land inside the shutdown and leave
    processes behind. It does no buffered I/O either: a handler that printed while the main
    thread was printing would fail with a reentrant-call error in the middle of the shutdown.
    """

    def __init__(self, force_kill: Callable[[], None]) -> None:
        self.force_kill = force_kill
        self.received = False
        self.forced = False
        self.presses: list[float] = []

    def install(self) -> None:
        signal.signal(signal.SIGINT, self)
        signal.signal(signal.SIGTERM, self)

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        now = time.monotonic()
        new_press = signum == signal.SIGINT and (
            not self.presses or now - self.presses[-1] > SAME_PRESS_SECONDS
        )
        if new_press:
            self.presses.append(now)
        if not self.received:
            self.received = True
            raise KeyboardInterrupt
        if not new_press or self.forced:
            return
        recent = [t for t in self.presses if now - t <= FORCE_WINDOW_SECONDS]
        if len(recent) >= 3:
            self.forced = True
            _say("\nthird Ctrl-C: force-killing every process the stack started\n")
            self.force_kill()
        else:
            _say("\nalready stopping; press Ctrl-C twice more to force-kill\n")


def _say(text: str) -> None:
    # A raw write: safe inside a signal handler, and a closed stdout must not raise there.
    with contextlib.suppress(OSError):
        os.write(sys.stdout.fileno(), text.encode())


def run_foreground(settings: StackSettings, *, fake_instagram: bool = False) -> int:
    demo = None
    if fake_instagram:
        # The fake lives with the tests (tests/fakes); only this option needs it.
        from stack.fake_instagram import DemoInstagram

        demo = DemoInstagram.start()
    stack = Stack(settings, extra_env=demo.env() if demo else None)
    signals = StopSignals(stack.kill)
    signals.install()
    state = _state_file(settings)
    print("starting the platform…", flush=True)
    started = time.monotonic()
    try:
        stack.start()
        summary = stack.describe() + (f"\n{demo.describe()}" if demo else "")
        state.write_text(json.dumps({"pid": os.getpid(), "summary": summary}))
        print(
            f"ready in {time.monotonic() - started:.1f}s\n{summary}\nCtrl-C stops it.", flush=True
        )
        stack.supervise(report=lambda line: print(line, flush=True))
        new_mail = NewMail(stack.mail_dir)
        while True:
            # The supervisor's thread does the watching; this one prints arriving mail.
            time.sleep(1)
            for line in new_mail.lines():
                print(line, flush=True)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        stack.stop()
        if demo:
            demo.stop()
        state.unlink(missing_ok=True)
    print("force-killed." if signals.forced else "stopped.", flush=True)
    return 0


def parse_replicas(text: str) -> dict[str, int]:
    """`social=2,media=2,worker=2` → {"social": 2, "media": 2, "igscraper-worker": 2}."""
    replicas: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, count = item.partition("=")
        name = REPLICA_ALIASES.get(name.strip(), name.strip())
        if name not in REPLICABLE or not count.strip().isdigit() or int(count) < 1:
            known = ", ".join([*REPLICABLE, *REPLICA_ALIASES])
            raise argparse.ArgumentTypeError(f"{item!r}: want NAME=COUNT >= 1, NAME in {known}")
        replicas[name] = int(count)
    return replicas


def run_detached(settings: StackSettings, *, fake_instagram: bool = False) -> int:
    state = _state_file(settings)
    state.parent.mkdir(parents=True, exist_ok=True)
    state.unlink(missing_ok=True)
    log = (state.parent / "stack.log").open("ab")
    replicas = ",".join(f"{name}={count}" for name, count in settings.replicas.items())
    options = ["--fake-instagram"] if fake_instagram else []
    if settings.federation_allow_private_peers:
        options.append("--allow-private-peers")
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "stack.cli", "up", "--replicas", replicas, *options],
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


def build_web_app() -> None:
    """The app the gateway serves at /, built when stale; without it the API still runs."""
    if not web.present():
        print("warning: no web/ in this checkout: the gateway serves the API only", flush=True)
        return
    if not web.stale():
        return
    print("building the web app (web/ → web/dist)…", flush=True)
    try:
        web.build()
    except web.WebBuildError as exc:
        print(f"warning: the web app did not build; the API still runs.\n{exc}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start the whole platform")
    up.add_argument("--detach", "-d", action="store_true", help="run in the background")
    up.add_argument("--port", type=int, help="gateway port (default 8000, 0 for any)")
    up.add_argument(
        "--replicas",
        type=parse_replicas,
        default={},
        metavar="NAME=N,...",
        help="processes per service, worker or gateway, e.g. social=2,media=2,worker=2,gateway=2 "
        "(the gateway balances over a service's replicas; each gateway has its own port)",
    )
    up.add_argument(
        "--fake-instagram",
        action="store_true",
        help="analyses go to a fake Instagram with one account to analyse, whose session "
        "cookie the printout shows (no Instagram account or internet needed)",
    )
    up.add_argument(
        "--allow-private-peers",
        action="store_true",
        help="federate with http:// and private or loopback addresses too, e.g. a second "
        "stack on this machine (FEDERATION_ALLOW_PRIVATE_PEERS=true does the same)",
    )
    commands.add_parser("down", help="stop a detached stack")
    args = parser.parse_args(argv)

    settings = StackSettings()
    if getattr(args, "port", None) is not None:
        settings = settings.model_copy(update={"gateway_port": args.port})
    if getattr(args, "replicas", None):
        settings = settings.model_copy(update={"replicas": args.replicas})
    if getattr(args, "allow_private_peers", False):
        settings = settings.model_copy(update={"federation_allow_private_peers": True})
    if args.command == "down":
        return run_down(settings)
    build_web_app()
    if args.detach:
        return run_detached(settings, fake_instagram=args.fake_instagram)
    return run_foreground(settings, fake_instagram=args.fake_instagram)


if __name__ == "__main__":
    sys.exit(main())
