"""Where a `GET /feed` request's CPU goes in the social service, against a bare route of
the same app, in one run.

    uv run python bench/feed_cost.py [--requests 2000] [--rounds 3]

Needs bench/feed.py's data set (run that once). Social's own app is driven in-process on
uvloop (ASGI calls, no sockets), so what is timed is the service's Python and the client
side of its one statement, not Postgres's work: CPU time per request (µs) for the 10-,
100- and 1,000-followee viewers' first pages (no followed tags) of

- a bare route added to the app, FastAPI's way: its middleware and routing only;
- the same bare route the short way in (common.read_routes), as /feed takes it: the
  service's own layer only;
- a route taking /feed's dependencies (reader, paging, read pool, links) and answering {},
  the short way;
- `GET /feed` itself;
- and /feed's two parts alone: the page's statement through the read pool
  (`ReadPool.fetch`) and writing the page's JSON from those rows
  (`feeds.service.page_of_posts`).

Each is the median of `--rounds`, the calls taking turns; the ratio is to the bare route
measured in the same round. bench/feed.py times the same page over HTTP against its SQL.
"""

import argparse
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import uvloop

from bench.feed import PAGE, DataSet, measured_viewers, social_env, urls
from common.pagination import IdPageDep, PageRequest
from common.read_routes import ReadRoutes, read_route
from common.reads import JSONBytes, ReadsDep
from common.service_layer import ServiceLayer
from social.feeds.repository import HOME_PAGE, NEWEST
from social.feeds.service import page_of_posts
from social.links import LinksDep
from social.profiles.dependencies import ReaderId
from tests.support.token_issuer import TokenIssuer

BARE, SHORT, WITH_DEPS = "/bench/bare", "/bench/short", "/bench/feed-dependencies"


async def cpu_per_call(call: Callable[[], Awaitable[object]], requests: int) -> float:
    for _ in range(requests // 10):  # warm-up: caches, the statement's generic plan
        await call()
    started = time.process_time()
    for _ in range(requests):
        await call()
    return (time.process_time() - started) / requests * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per call and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    _, db_url, sa_url = urls(DataSet(1))
    viewers = {
        follows: viewer
        for (follows, tags), viewer in (await measured_viewers(db_url)).items()
        if tags == 0
    }
    issuer = TokenIssuer()
    jwks_url = await issuer.start()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ.update(social_env(sa_url, redis_url, jwks_url))
    from social.main import create_app

    app = create_app()

    async def bare() -> JSONBytes:
        return JSONBytes(b"{}")

    @read_route
    async def short() -> JSONBytes:
        return JSONBytes(b"{}")

    @read_route
    async def with_deps(
        viewer_id: ReaderId, page: IdPageDep, reads: ReadsDep, links: LinksDep
    ) -> JSONBytes:
        return JSONBytes(b"{}")

    app.add_api_route(BARE, bare)
    app.add_api_route(SHORT, short)
    app.add_api_route(WITH_DEPS, with_deps)
    # Tried first, as the feeds' routes are (social.main), and the marked ones the short way.
    routes = app.router.routes
    routes[:0] = [routes.pop(), routes.pop(), routes.pop()]
    (layer,) = [m for m in app.user_middleware if m.cls is ServiceLayer]
    layer.kwargs["read_routes"] = ReadRoutes.of(app)

    try:
        async with app.router.lifespan_context(app):
            for follows, viewer in viewers.items():
                token = issuer.token(str(viewer), "bench", exp=int(time.time()) + 3600)
                results = await measure(app, viewer, token, args.requests, args.rounds)
                print(f"\n{follows} followees, first page: CPU µs per request (× bare route)")
                base = results["bare route"]
                for name, micros in results.items():
                    print(f"  {name:<28} {micros:8.0f}  {micros / base:6.1f}×")
    finally:
        await issuer.stop()


async def measure(
    app: Any, viewer: uuid.UUID, token: str, requests: int, rounds: int
) -> dict[str, float]:
    headers = [(b"host", b"social:8002"), (b"authorization", f"Bearer {token}".encode())]

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise RuntimeError(f"status {message['status']}")

    def get(path: str) -> Callable[[], Awaitable[None]]:
        async def call() -> None:
            scope = {
                "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
                "query_string": f"limit={PAGE}".encode(), "root_path": "",
                "headers": list(headers), "client": ("127.0.0.1", 50000),
                "server": ("127.0.0.1", 8002), "app": app,
            }  # fmt: skip
            await app(scope, receive, send)

        return call

    reads, links = app.state.reads, app.state.links
    params = {"viewer": viewer, "before": NEWEST, "limit": PAGE + 1, "plan": None}
    rows = await reads.fetch(HOME_PAGE, **params)
    page: PageRequest[uuid.UUID] = PageRequest(limit=PAGE)

    async def fetch() -> None:
        await reads.fetch(HOME_PAGE, **params)

    async def write() -> None:
        page_of_posts(rows, page=page, links=links)

    calls = {
        "bare route": get(BARE),
        "bare route, the short way": get(SHORT),
        "/feed's deps, the short way": get(WITH_DEPS),
        "GET /feed": get("/feed"),
        "  its statement (fetch)": fetch,
        "  writing its JSON": write,
    }
    taken: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            taken[name].append(await cpu_per_call(call, requests))
    return {name: statistics.median(values) for name, values in taken.items()}


if __name__ == "__main__":
    uvloop.run(main())
