"""What the service middleware costs per request, against bare FastAPI, in one run.

    uv run python bench/middleware.py [--old /tmp/mw-old] [--repeat 3]

A trivial JSON route is served in-process (ASGI calls, no sockets, so nothing but the app
is timed) by bare FastAPI and by `create_service_app`, the app every service is built with
(request id, access line written to /dev/null, metrics, error mapping, Allow, body limit).
Each checkout is measured in fresh processes, taking turns: this one, and with `--old PATH`
another (say `git worktree add /tmp/mw-old <commit>`), whose `common` is imported instead;
each app's ratio is to the bare FastAPI measured in the same processes. "no access line"
is the service app with its access logger off. Requests carry an X-Request-ID, as every
request the gateway passes on does.
"""

import argparse
import asyncio
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Message

PATH = "/posts/bench-small"
NO_LOG = "  no access line"
HEADERS = [
    (b"host", b"social:8002"),
    (b"accept", b"application/json"),
    (b"user-agent", b"bench"),
    (b"x-request-id", b"0123456789abcdef0123456789abcdef"),
]


async def small() -> dict[str, object]:
    return {"id": "01J0000000000000000000", "caption": "hello", "like_count": 3}


def bare_app() -> FastAPI:
    app = FastAPI()
    app.add_api_route(PATH, small)
    return app


def service_app() -> FastAPI:
    from common.app import create_service_app
    from common.settings import ServiceSettings

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield

    router = APIRouter()
    router.add_api_route(PATH, small)
    app = create_service_app(
        service="bench", title="bench", settings=ServiceSettings(), lifespan=lifespan,
        routers=[router],
    )  # fmt: skip
    # The access line is formatted and written as in production, to nowhere.
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - open for the run
    return app


async def serve(app: ASGIApp, requests: int) -> float:
    """Seconds for `requests` GETs, one after another."""

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise RuntimeError(f"{PATH}: {message['status']}")

    started = time.perf_counter()
    for _ in range(requests):
        scope: dict[str, Any] = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": PATH, "raw_path": PATH.encode(),
            "query_string": b"", "root_path": "", "headers": list(HEADERS),
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8002),
        }  # fmt: skip
        await app(scope, receive, send)
    return time.perf_counter() - started


async def measure(requests: int, rounds: int) -> dict[str, float]:
    """µs per request of each app: the median of `rounds`, the apps taking turns."""
    bare, service = bare_app(), service_app()
    access = logging.getLogger("access")
    # The service app again with its access line off: how much of its cost is that line.
    runs = (("bare FastAPI", bare, True), ("service app", service, True), (NO_LOG, service, False))
    for _, app, _ in runs:
        await serve(app, requests // 10)  # builds the middleware stack, warms caches
    seconds: dict[str, list[float]] = {name: [] for name, _, _ in runs}
    for _ in range(rounds):
        for name, app, logged in runs:
            access.disabled = not logged
            seconds[name].append(await serve(app, requests))
    access.disabled = False
    return {name: statistics.median(s) / requests * 1e6 for name, s in seconds.items()}


def run(checkout: Path | None, requests: int, rounds: int) -> dict[str, float]:
    """`measure` in a fresh process; its `common` is `checkout`'s when one is given."""
    command = [sys.executable, __file__, "--json", f"--requests={requests}", f"--rounds={rounds}"]
    env = dict(os.environ)
    if checkout is not None:
        # Ahead of the installed (editable) `common`: the other checkout's is imported.
        env["PYTHONPATH"] = str(checkout / "libs/common/src")
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per process")
    parser.add_argument("--repeat", type=int, default=3, help="processes per checkout")
    parser.add_argument("--old", type=Path, help="another checkout to measure too")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        print(json.dumps(asyncio.run(measure(args.requests, args.rounds))))
        return 0
    print(f"load average at the start: {os.getloadavg()[0]:.2f}")
    checkouts: dict[str, Path | None] = {"this checkout": None}
    if args.old:
        checkouts[str(args.old)] = args.old
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
    # The checkouts take turns, so a change of load touches both alike.
    for _ in range(args.repeat):
        for name, checkout in checkouts.items():
            samples[name].append(run(checkout, args.requests, args.rounds))
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print(f"{'checkout':<16} {'app':<16} {'µs/request':>10} {'× bare':>7} {'+µs':>6}")
    for checkout, results in samples.items():
        micros = {app: statistics.median(r[app] for r in results) for app in results[0]}
        bare = micros["bare FastAPI"]
        for app, value in micros.items():
            print(
                f"{checkout:<16} {app:<16} {value:>10.1f} {value / bare:>7.2f} {value - bare:>6.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
