"""The home feed (`GET /feed`) on a large, skewed data set: is every viewer fast?

Loads 100k users, 1M posts (a few authors post a lot: Zipf-like) and ~1M follows with COPY
into a database of its own, then times the first page and a deep page (10 pages in) for
viewers following 10, 100 and 1,000 accounts:

- the raw SQL: the two classic single queries (`IN` walk, `LATERAL` merge) and the
  statements the service itself sends for a page, straight over asyncpg;
- the social service over HTTP (uvicorn, as deployed);
- the same through the gateway.

Run: `uv run python bench/feed.py` (DATABASE_URL / REDIS_URL name the servers; `--reload`
rebuilds the data). Prints p50/p99 per case and the ratios service/SQL and gateway/service.
"""

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect

from common.db import migrate
from common.pagination import decode_cursor
from social.feeds.repository import (
    HOME_AUTHORS_QUERY,
    HOME_PAGES,
    MERGE_QUERY,
    NEWEST,
    SCAN_QUERY,
    TOTAL_POSTS_QUERY,
    home_authors_of,
)
from social.feeds.service import prefer_merge
from social.main import MIGRATIONS
from stack.processes import ManagedProcess, free_port, wait_for
from tests.support.token_issuer import TokenIssuer

USERS = 100_000
POSTS = 1_000_000
MEAN_FOLLOWS = 10
ZIPF_EXPONENT = 1.1
FOLLOWABLE_POSTS = 20
VIEWERS = (10, 100, 1_000)
PAGE = 20
DEEP_PAGES = 10
WARMUP = 20
SAMPLES = 300
DATABASE = "bench_feed"
YEAR_MS = 365 * 24 * 3600 * 1000

random.seed(20261122)


def uuid7_at(ms: int) -> uuid.UUID:
    """A UUIDv7 for a past instant, so ids sort like the time they were made."""
    rand = random.getrandbits(74)
    value = (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & (2**62 - 1))
    return uuid.UUID(int=value)


def urls() -> tuple[str, str, str]:
    """(server admin URL, bench database URL for asyncpg, the same for SQLAlchemy)."""
    server = urlsplit(
        os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    plain = server._replace(scheme="postgresql", path=f"/{DATABASE}").geturl()
    return (
        server._replace(scheme="postgresql", path="/postgres").geturl(),
        plain,
        plain.replace("postgresql://", "postgresql+asyncpg://", 1),
    )


# ------------------------------------------------------------------------- data --


async def load(admin_url: str, db_url: str, sa_url: str, *, reload: bool) -> None:
    admin = await asyncpg.connect(admin_url)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE)
        if exists and reload:
            await admin.execute(f'DROP DATABASE "{DATABASE}" WITH (FORCE)')
            exists = False
    finally:
        await admin.close()
    await migrate(sa_url, MIGRATIONS)
    conn = await asyncpg.connect(db_url)
    try:
        if exists and await conn.fetchval("SELECT count(*) FROM post") == POSTS:
            print("data: reusing the loaded database (--reload to rebuild)")
            return
        await conn.execute("TRUNCATE profile, follow, post, reaction, comment CASCADE")
        started = time.perf_counter()
        await copy_everything(conn)
        await conn.execute("VACUUM ANALYZE")
        print(f"data: loaded with COPY and vacuumed in {time.perf_counter() - started:.0f} s")
    finally:
        await conn.close()


async def copy_everything(conn: asyncpg.Connection) -> None:
    now_ms = int(time.time() * 1000)
    users = sorted(uuid7_at(now_ms - 2 * YEAR_MS + random.randrange(YEAR_MS)) for _ in range(USERS))
    # Zipf-like activity and popularity over a shuffled ranking: a few post (and are
    # followed) a lot, most hardly at all.
    ranked = random.sample(users, USERS)
    cumulative = list(accumulate(1 / (rank + 1) ** ZIPF_EXPONENT for rank in range(USERS)))
    authors = random.choices(ranked, cum_weights=cumulative, k=POSTS)
    posts_count = dict.fromkeys(users, 0)
    for author in authors:
        posts_count[author] += 1
    follows = set()
    for follower in users:
        picks = random.choices(
            ranked, cum_weights=cumulative, k=random.randint(0, 2 * MEAN_FOLLOWS)
        )
        for followee in picks:
            if followee != follower:
                follows.add((follower, followee))
    # Measured viewers follow accounts picked uniformly among those with some history
    # (enough for a deep page): mostly modest posters, where walking all posts for
    # theirs is slowest, plus the odd prolific one.
    followable = [u for u in users if posts_count[u] >= FOLLOWABLE_POSTS]
    for followed, viewer in viewer_ids(users).items():
        follows -= {edge for edge in follows if edge[0] == viewer}
        follows |= {(viewer, f) for f in random.sample(followable, followed) if f != viewer}
    followers_count = dict.fromkeys(users, 0)
    following_count = dict.fromkeys(users, 0)
    for follower, followee in follows:
        following_count[follower] += 1
        followers_count[followee] += 1
    now = datetime.now(UTC)
    await conn.copy_records_to_table(
        "profile",
        records=[
            (u, f"user{i}", now, "", posts_count[u], followers_count[u], following_count[u])
            for i, u in enumerate(users)
        ],
        columns=[
            "id",
            "username",
            "username_at",
            "bio",
            "posts_count",
            "followers_count",
            "following_count",
        ],
    )
    await conn.copy_records_to_table(
        "follow",
        records=[(a, b, uuid7_at(now_ms - random.randrange(YEAR_MS))) for a, b in follows],
        columns=["follower_id", "followee_id", "id"],
    )
    times = sorted(now_ms - YEAR_MS + random.randrange(YEAR_MS) for _ in range(POSTS))
    chunk = 200_000
    for start in range(0, POSTS, chunk):
        await conn.copy_records_to_table(
            "post",
            records=[
                (uuid7_at(ms), author, "", uuid.uuid4())
                for ms, author in zip(
                    times[start : start + chunk], authors[start : start + chunk], strict=True
                )
            ],
            columns=["id", "author_id", "caption", "media_id"],
        )
    print(f"data: {USERS} users, {POSTS} posts, {len(follows)} follows")


def viewer_ids(users: list[uuid.UUID]) -> dict[int, uuid.UUID]:
    """The measured viewers: fixed users, so a reused database finds them again."""
    return dict(zip(VIEWERS, users[:3], strict=True))


async def measured_viewers(db_url: str) -> dict[int, uuid.UUID]:
    conn = await asyncpg.connect(db_url)
    try:
        rows = await conn.fetch("SELECT id FROM profile ORDER BY id LIMIT 3")
    finally:
        await conn.close()
    return viewer_ids([row["id"] for row in rows])


# ------------------------------------------------------------------------ timing --


async def timed(call: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """(p50, p99) in ms of `call`, after a warm-up."""
    for _ in range(WARMUP):
        await call()
    samples = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(samples, n=100)
    return cuts[49], cuts[98]


def driver_sql(statement: object) -> tuple[str, list[str], dict[str, object]]:
    """The service's own statement as asyncpg receives it: SQL, parameter order, and the
    values the statement itself carries (e.g. the 0 of `posts_count > 0`)."""
    compiled = statement.compile(dialect=asyncpg_dialect.dialect())  # type: ignore[attr-defined]
    # An IN list (the restriction kinds) expands into one parameter per item at execution.
    expanded = compiled.construct_expanded_state(dict(compiled.params))
    return expanded.statement, list(expanded.positiontup or []), dict(expanded.parameters)


class RawSql:
    """The feed's SQL over one asyncpg connection, no ORM and no HTTP."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.total = 0
        self.sql = {
            name: driver_sql(statement)
            for name, statement in {
                "authors": HOME_AUTHORS_QUERY,
                "total": TOTAL_POSTS_QUERY,
                "merge": MERGE_QUERY,
                "scan": SCAN_QUERY,
                "merge_page": HOME_PAGES["merge"],
                "scan_page": HOME_PAGES["scan"],
            }.items()
        }

    async def run(self, name: str, **params: object) -> list[asyncpg.Record]:
        sql, order, defaults = self.sql[name]
        values = defaults | params
        return await self.conn.fetch(sql, *(values[p] for p in order))

    async def authors(self, viewer: uuid.UUID) -> tuple[list[uuid.UUID], int]:
        return home_authors_of(viewer, *(await self.run("authors", viewer=viewer))[0])

    async def service_page(self, viewer: uuid.UUID, before: uuid.UUID) -> list[asyncpg.Record]:
        """The statements GET /feed sends, with the same plan choice (the table estimate
        is cached by the service, so it is read once here too)."""
        authors, their_posts = await self.authors(viewer)
        merge = prefer_merge(
            authors=len(authors), their_posts=their_posts, total_posts=self.total, limit=PAGE + 1
        )
        return await self.run(
            "merge_page" if merge else "scan_page",
            authors=authors,
            before=before,
            limit=PAGE + 1,
            viewer=viewer,
        )


async def deep_cursor(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    cursor = None
    for _ in range(DEEP_PAGES):
        params = {"limit": PAGE} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/feed", params=params, headers=headers)
        response.raise_for_status()
        cursor = response.json()["next_cursor"]
        assert cursor, "the viewer's feed is shorter than the deep page"
    return cursor


# ------------------------------------------------------------------------- stack --


def start_http(name: str, app: str, port: int, env: dict[str, str], logs: Path) -> ManagedProcess:
    uvicorn = str(Path(sys.executable).parent / "uvicorn")
    argv = [
        uvicorn,
        app,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]
    process = ManagedProcess(name, argv, log_path=logs / f"{name}.log", env=env)
    process.start()
    return process


def serving(url: str) -> bool:
    return httpx.get(f"{url}/feed/global?limit=1", timeout=2).status_code == 200


# -------------------------------------------------------------------------- main --


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reload", action="store_true", help="rebuild the data set")
    args = parser.parse_args()
    admin_url, db_url, sa_url = urls()
    await load(admin_url, db_url, sa_url, reload=args.reload)
    viewers = await measured_viewers(db_url)

    issuer = TokenIssuer()
    jwks_url = await issuer.start()
    logs = Path(tempfile.mkdtemp(prefix="bench-feed-"))
    social_port, gateway_port = free_port(), free_port()
    dead = f"http://127.0.0.1:{free_port()}"
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    env = {
        "LOG_LEVEL": "WARNING",
        "SOCIAL_DATABASE_URL": sa_url,
        "SOCIAL_REDIS_URL": redis_url,
        "SOCIAL_JWKS_URL": jwks_url,
        "SOCIAL_USERS_STREAM": "bench-feed-users",
        "GATEWAY_SOCIAL_URL": f"http://127.0.0.1:{social_port}",
        "GATEWAY_AUTH_URL": dead,
        "GATEWAY_MEDIA_URL": dead,
        "GATEWAY_IGSCRAPER_URL": dead,
        "GATEWAY_REDIS_URL": redis_url,
        "GATEWAY_JWKS_URL": jwks_url,
        # Thousands of requests a minute from one user are the point here.
        "GATEWAY_RATE_LIMIT_ENABLED": "false",
    }
    processes = [
        start_http("social", "social.main:create_app", social_port, env, logs),
        start_http("gateway", "gateway.main:create_app", gateway_port, env, logs),
    ]
    conn = await asyncpg.connect(db_url)
    try:
        targets = {
            "direct": f"http://127.0.0.1:{social_port}",
            "gateway": f"http://127.0.0.1:{gateway_port}",
        }
        for (name, url), process in zip(targets.items(), processes, strict=True):
            await asyncio.to_thread(
                wait_for, lambda url=url: serving(url), timeout=60, what=name, process=process
            )
        await report(conn, viewers, targets, issuer)
    finally:
        await conn.close()
        for process in processes:
            process.stop()
        await issuer.stop()


async def measure(
    raw: RawSql,
    clients: dict[str, httpx.AsyncClient],
    *,
    viewer: uuid.UUID,
    headers: dict[str, str],
    cursor: str | None,
) -> dict[str, tuple[float, float]]:
    """One viewer and page: the SQL alone, then the service directly and via the gateway."""
    authors, _ = await raw.authors(viewer)
    before = decode_cursor(cursor, uuid.UUID)[0] if cursor else NEWEST
    query = {"limit": PAGE} | ({"cursor": cursor} if cursor else {})

    async def alone(plan: str) -> None:
        await raw.run(plan, authors=authors, before=before, limit=PAGE)

    async def page_sql() -> None:
        await raw.service_page(viewer, before)

    row = {
        "in": await timed(lambda: alone("scan")),
        "lateral": await timed(lambda: alone("merge")),
        "sql": await timed(page_sql),
    }
    for name, client in clients.items():

        async def fetch(client: httpx.AsyncClient = client) -> None:
            (await client.get("/feed", params=query, headers=headers)).raise_for_status()

        row[name] = await timed(fetch)
    return row


def cells(row: dict[str, tuple[float, float]], *names: str) -> str:
    return " ".join(f"{row[n][0]:6.2f}/{row[n][1]:6.2f}" for n in names)


async def report(
    conn: asyncpg.Connection,
    viewers: dict[int, uuid.UUID],
    targets: dict[str, str],
    issuer: TokenIssuer,
) -> None:
    raw = RawSql(conn)
    raw.total = (await raw.run("total"))[0][0]
    header = (
        f"{'follows':>8} {'page':>5} | {'IN walk':>13} {'LATERAL':>13} {'service SQL':>13} | "
        f"{'direct':>13} {'gateway':>13} | {'direct/SQL':>10} {'gw/direct':>9}"
    )
    print(f"\np50/p99 in ms, sequential requests, {SAMPLES} samples each after {WARMUP} warm-up\n")
    print(header)
    print("-" * len(header))
    clients = {name: httpx.AsyncClient(base_url=url, timeout=10) for name, url in targets.items()}
    try:
        for follows, viewer in viewers.items():
            # Valid for the whole run (the default 15 minutes may not be).
            token = issuer.token(str(viewer), "bench", exp=int(time.time()) + 3600)
            headers = {"Authorization": f"Bearer {token}"}
            deep = await deep_cursor(clients["direct"], headers)
            for page, cursor in (("first", None), ("deep", deep)):
                row = await measure(raw, clients, viewer=viewer, headers=headers, cursor=cursor)
                direct_vs_sql = row["direct"][0] / row["sql"][0]
                gateway_vs_direct = row["gateway"][0] / row["direct"][0]
                print(
                    f"{follows:>8} {page:>5} | {cells(row, 'in', 'lateral', 'sql')} | "
                    f"{cells(row, 'direct', 'gateway')} | "
                    f"{direct_vs_sql:10.2f} {gateway_vs_direct:9.2f}"
                )
    finally:
        for client in clients.values():
            await client.aclose()


if __name__ == "__main__":
    asyncio.run(main())
