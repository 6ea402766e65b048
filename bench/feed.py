"""The home feed (`GET /feed`) on a large, skewed data set: is every viewer fast?

Loads 100k users, 1M posts (a few authors post a lot: Zipf-like) and ~1M follows with COPY
into a database of its own, then adds in SQL (generate_series) what posts and accounts have
since gained: albums (30 % of posts have 2-10 images, every post at least its one
post_image row, with size, blurhash and some alt text), tags (40 % of posts carry 1-5 from
a Zipf-like vocabulary of 10,000), mentions (10 % of posts, 1-3 users), bookmarks, private
accounts (5 %, their existing followers approved, a few requests pending) and the measured
viewers' followed tags. Then times the first page and a deep page (10 pages in) for
viewers following 10, 100 and 1,000 accounts and 0, 5 or 20 tags:

- the raw SQL: the one statement the service sends for a page (common.reads.Query),
  straight over asyncpg, as it picks its plan and made to take each of its two plans (the
  newest-first walk, the per-author LATERAL merge);
- the social service over HTTP (uvicorn, as deployed);
- the same through the gateway.

Run: `uv run python bench/feed.py` (DATABASE_URL / REDIS_URL name the servers; `--reload`
rebuilds the data; a database from before albums and tags is extended). Prints p50/p99 per
case and the ratios service/SQL and gateway/service.
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
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import asyncpg
import httptools
import httpx
import orjson

from common.db import SERVER_SETTINGS, migrate
from common.pagination import decode_cursor
from social.feeds.repository import HOME_PAGE, NEWEST
from social.main import MIGRATIONS
from stack.processes import ManagedProcess, free_port, wait_for
from tests.support.token_issuer import TokenIssuer

USERS = 100_000
POSTS = 1_000_000
MEAN_FOLLOWS = 10
ZIPF_EXPONENT = 1.1
FOLLOWABLE_POSTS = 20
# The measured viewers as (accounts followed, tags followed): the first three are the
# cases measured before tags existed, so a reused database keeps their followees.
VIEWERS = tuple((follows, tags) for tags in (0, 5, 20) for follows in (10, 100, 1_000))
# What posts and accounts gained since: shares and sizes of albums, tags and the rest.
ALBUM_SHARE = 0.30
ALBUM_IMAGES = (2, 10)
ALT_SHARE = 0.30
TAGGED_SHARE = 0.40
TAGS_PER_POST = (1, 5)
TAG_VOCABULARY = 10_000
MENTION_SHARE = 0.10
MENTIONS_PER_POST = (1, 3)
PRIVATE_SHARE = 0.05
PENDING_REQUESTS = 2
BOOKMARKS = 200_000
VIEWER_BOOKMARK_SHARE = 0.05
# Marks a database that has the rows above (one from before them is extended).
DATA_VERSION = "bench/feed.py data v2: albums, tags, mentions, bookmarks, private accounts"
PAGE = 20
DEEP_PAGES = 10
WARMUP = 20
SAMPLES = 300
ROUNDS = 5  # blocks of each call per cell, taking turns (timed)
TIMING = {"warmup": WARMUP, "samples": SAMPLES}  # --warmup / --samples
DATABASE = "bench_feed"
# --scale: the run at scale 1 and at this one, each cell's p50 compared (issue 22: within
# 1.3x when the data grows tenfold).
SCALE_RATIO_TARGET = 1.3
# Issue 22's targets: through the gateway p99, and /feed direct p50 alone and over its SQL.
P99_TARGET_MS = 8
DIRECT_P50_TARGET_MS = 2.5
DIRECT_SQL_RATIO_TARGET = 2
# Issue 20: the Mastodon home timeline is the same rows as /feed, written as Statuses.
TIMELINE_RATIO_TARGET = 1.5
YEAR_MS = 365 * 24 * 3600 * 1000

random.seed(20261122)


def uuid7_at(ms: int) -> uuid.UUID:
    """A UUIDv7 for a past instant, so ids sort like the time they were made."""
    rand = random.getrandbits(74)
    value = (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & (2**62 - 1))
    return uuid.UUID(int=value)


@dataclass(frozen=True)
class DataSet:
    """The data at a scale: `scale` times the users, posts and bookmarks (so as many posts
    per user and follows per user), in a database of its own."""

    scale: int = 1

    @property
    def users(self) -> int:
        return USERS * self.scale

    @property
    def posts(self) -> int:
        return POSTS * self.scale

    @property
    def database(self) -> str:
        return DATABASE if self.scale == 1 else f"{DATABASE}_x{self.scale}"


def urls(data: DataSet) -> tuple[str, str, str]:
    """(server admin URL, bench database URL for asyncpg, the same for SQLAlchemy)."""
    server = urlsplit(
        os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    plain = server._replace(scheme="postgresql", path=f"/{data.database}").geturl()
    return (
        server._replace(scheme="postgresql", path="/postgres").geturl(),
        plain,
        plain.replace("postgresql://", "postgresql+asyncpg://", 1),
    )


# ------------------------------------------------------------------------- data --


async def load(data: DataSet, *, reload: bool) -> None:
    admin_url, db_url, sa_url = urls(data)
    admin = await asyncpg.connect(admin_url)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", data.database)
        if exists and reload:
            await admin.execute(f'DROP DATABASE "{data.database}" WITH (FORCE)')
            exists = False
    finally:
        await admin.close()
    await migrate(sa_url, MIGRATIONS)
    conn = await asyncpg.connect(db_url)
    try:
        if not (exists and await conn.fetchval("SELECT count(*) FROM post") == data.posts):
            await conn.execute("TRUNCATE profile, follow, post, reaction, comment CASCADE")
            started = time.perf_counter()
            await copy_everything(conn, data)
            print(f"data: loaded with COPY in {time.perf_counter() - started:.0f} s")
        elif await data_version(conn) == DATA_VERSION:
            print("data: reusing the loaded database (--reload to rebuild)")
            return
        else:
            print("data: reusing users, posts and follows; adding albums, tags and the rest")
        started = time.perf_counter()
        await extend(conn, data)
        await conn.execute("VACUUM ANALYZE")
        print(f"data: extended in SQL and vacuumed in {time.perf_counter() - started:.0f} s")
    finally:
        await conn.close()


async def data_version(conn: asyncpg.Connection) -> str | None:
    return await conn.fetchval("SELECT obj_description('post_image'::regclass, 'pg_class')")


async def copy_everything(conn: asyncpg.Connection, data: DataSet) -> None:
    now_ms = int(time.time() * 1000)
    users = sorted(
        uuid7_at(now_ms - 2 * YEAR_MS + random.randrange(YEAR_MS)) for _ in range(data.users)
    )
    # Zipf-like activity and popularity over a shuffled ranking: a few post (and are
    # followed) a lot, most hardly at all.
    ranked = random.sample(users, data.users)
    cumulative = list(accumulate(1 / (rank + 1) ** ZIPF_EXPONENT for rank in range(data.users)))
    authors = random.choices(ranked, cum_weights=cumulative, k=data.posts)
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
    # (The measured viewers' follows are extend()'s.)
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
    times = sorted(now_ms - YEAR_MS + random.randrange(YEAR_MS) for _ in range(data.posts))
    chunk = 200_000
    for start in range(0, data.posts, chunk):
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
    print(f"data: {data.users} users, {data.posts} posts, {len(follows)} follows")


# Runs in one transaction after the COPY (or on a database loaded before albums and tags),
# all in SQL: about 2.5M images, 1.2M tags and 0.2M mentions in well under a minute (at
# scale 1); {users} is the data set's number of users.
EXTEND_SQL = f"""
TRUNCATE post_image, post_tag, post_mention, bookmark, tag_follow, follow_request;
UPDATE profile SET is_private = false WHERE is_private;
SELECT setseed(0.20261206);
CREATE TEMP TABLE ranked ON COMMIT DROP AS
    SELECT row_number() OVER (ORDER BY followers_count DESC, id)::int AS rank, id FROM profile;
CREATE UNIQUE INDEX ON ranked (rank);
ANALYZE ranked;

-- Albums: every post its cover at position 0 (as the migration made it), 30 % 1-9 more.
-- Sizes and blurhashes as the image sync fills them in; some images carry alt text.
WITH p AS MATERIALIZED (
    SELECT id, media_id, CASE WHEN random() < {ALBUM_SHARE}
        THEN {ALBUM_IMAGES[0]} + floor(random() * {ALBUM_IMAGES[1] - ALBUM_IMAGES[0] + 1})::int
        ELSE 1 END AS n
    FROM post
)
INSERT INTO post_image (post_id, position, media_id, alt, width, height, blurhash)
SELECT p.id, g, CASE WHEN g = 0 THEN p.media_id ELSE gen_random_uuid() END,
    CASE WHEN random() < {ALT_SHARE}
        THEN 'A photo of ' || repeat('something worth describing, ', 1 + (random() * 6)::int)
        ELSE '' END,
    1080, (ARRAY[1080, 1350, 608, 1920])[1 + floor(random() * 4)::int],
    substr(md5(p.id::text || g), 1, 28)
FROM p, generate_series(0, p.n - 1) AS g;

-- Tags: 40 % of posts carry 1-5, ranked Zipf-like (P(rank r) ~ 1/r, so "tag1" is on about
-- a tenth of the tagged posts and most of the 10,000 on a handful).
WITH p AS MATERIALIZED (
    SELECT id, created_at, CASE WHEN random() < {TAGGED_SHARE}
        THEN {TAGS_PER_POST[0]} + floor(random() * {TAGS_PER_POST[1] - TAGS_PER_POST[0] + 1})::int
        ELSE 0 END AS n
    FROM post
), t AS MATERIALIZED (
    SELECT p.id, p.created_at, g,
        'tag' || floor(exp(random() * ln({TAG_VOCABULARY})))::int AS tag
    FROM p, generate_series(1, p.n) AS g
)
INSERT INTO post_tag (post_id, tag, position, created_at)
SELECT id, tag, min(g) - 1, min(created_at) FROM t GROUP BY id, tag;

-- Mentions: 10 % of posts name 1-3 users, the followed ones more often (Zipf-like).
WITH p AS MATERIALIZED (
    SELECT id, created_at, CASE WHEN random() < {MENTION_SHARE}
        THEN {MENTIONS_PER_POST[0]}
            + floor(random() * {MENTIONS_PER_POST[1] - MENTIONS_PER_POST[0] + 1})::int
        ELSE 0 END AS n
    FROM post
), m AS MATERIALIZED (
    SELECT p.id, p.created_at, g, floor(exp(random() * ln({{users}})))::int AS rank
    FROM p, generate_series(1, p.n) AS g
)
INSERT INTO post_mention (post_id, user_id, position, created_at)
SELECT m.id, ranked.id, min(g) - 1, min(created_at)
FROM m JOIN ranked USING (rank) GROUP BY m.id, ranked.id;

-- Private accounts: 5 %, never a measured viewer; their follows stand as approved, and
-- each has a couple of requests pending.
UPDATE profile SET is_private = true
WHERE random() < {PRIVATE_SHARE} AND id <> ALL($1::uuid[]);
WITH r AS MATERIALIZED (
    SELECT profile.id AS target_id, 1 + floor(random() * {{users}})::int AS rank
    FROM profile, generate_series(1, {PENDING_REQUESTS})
    WHERE is_private
)
INSERT INTO follow_request (requester_id, target_id, id)
SELECT ranked.id, r.target_id, gen_random_uuid() FROM r JOIN ranked USING (rank)
WHERE ranked.id <> r.target_id AND NOT EXISTS (
    SELECT FROM follow WHERE follower_id = ranked.id AND followee_id = r.target_id
)
ON CONFLICT DO NOTHING;

-- Bookmarks: random users keep random posts.
WITH b AS MATERIALIZED (
    SELECT id AS post_id, 1 + floor(random() * {{users}})::int AS rank
    FROM post TABLESAMPLE BERNOULLI ({100 * BOOKMARKS / POSTS})
)
INSERT INTO bookmark (user_id, post_id, id)
SELECT ranked.id, b.post_id, gen_random_uuid() FROM b JOIN ranked USING (rank)
ON CONFLICT DO NOTHING;
"""  # noqa: S608

# A measured viewer's accounts: picked uniformly among those with some history (enough for
# a deep page): mostly modest posters, where walking all posts for theirs is slowest, plus
# the odd prolific one. Kept when the viewer already follows that many.
VIEWER_FOLLOWS_SQL = f"""
INSERT INTO follow (follower_id, followee_id, id)
SELECT $1, id, gen_random_uuid() FROM profile
WHERE posts_count >= {FOLLOWABLE_POSTS} AND id <> $1 AND NOT is_private
ORDER BY random() LIMIT $2
"""  # noqa: S608
COUNTERS_SQL = """
UPDATE profile SET followers_count = c.followers, following_count = c.following
FROM (
    SELECT profile.id,
        (SELECT count(*) FROM follow WHERE followee_id = profile.id) AS followers,
        (SELECT count(*) FROM follow WHERE follower_id = profile.id) AS following
    FROM profile
) AS c
WHERE c.id = profile.id
    AND (profile.followers_count, profile.following_count) <> (c.followers, c.following)
"""
VIEWER_BOOKMARKS_SQL = f"""
INSERT INTO bookmark (user_id, post_id, id)
SELECT $1, post.id, gen_random_uuid() FROM follow JOIN post ON post.author_id = followee_id
WHERE follower_id = $1 AND random() < {VIEWER_BOOKMARK_SHARE}
ON CONFLICT DO NOTHING
"""  # noqa: S608


def followed_tags(count: int) -> list[str]:
    """Tags a viewer follows: Zipf-like like their use, so mostly popular ones and the
    odd niche one (ranks 1-1,000)."""
    tags: list[str] = []
    while len(tags) < count:
        tag = f"tag{int(1000 ** random.random())}"
        if tag not in tags:
            tags.append(tag)
    return tags


async def extend(conn: asyncpg.Connection, data: DataSet) -> None:
    viewers = viewer_ids(await first_users(conn))
    ids = list(viewers.values())
    async with conn.transaction():
        await conn.execute("SELECT setseed(0.1122)")
        for (follows, _), viewer in viewers.items():
            has = await conn.fetchval("SELECT count(*) FROM follow WHERE follower_id = $1", viewer)
            if not follows - 1 <= has <= follows:
                await conn.execute("DELETE FROM follow WHERE follower_id = $1", viewer)
                await conn.execute(VIEWER_FOLLOWS_SQL, viewer, follows)
        await conn.execute(COUNTERS_SQL)
        # One statement per command: asyncpg's parameters need the extended protocol.
        for statement in EXTEND_SQL.format(users=data.users).split(";\n"):
            if statement.strip():
                await conn.execute(statement, *([ids] if "$1" in statement else []))
        for (_, tags), viewer in viewers.items():
            await conn.execute(VIEWER_BOOKMARKS_SQL, viewer)
            await conn.executemany(
                "INSERT INTO tag_follow (user_id, tag) VALUES ($1, $2)",
                [(viewer, tag) for tag in followed_tags(tags)],
            )
        await conn.execute(f"COMMENT ON TABLE post_image IS '{DATA_VERSION}'")
    counts = {
        table: await conn.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608
        for table in ("post_image", "post_tag", "post_mention", "bookmark", "follow_request")
    }
    private = await conn.fetchval("SELECT count(*) FROM profile WHERE is_private")
    print(f"data: {counts}, {private} private accounts")


def viewer_ids(users: list[uuid.UUID]) -> dict[tuple[int, int], uuid.UUID]:
    """The measured viewers: fixed users, so a reused database finds them again."""
    return dict(zip(VIEWERS, users[: len(VIEWERS)], strict=True))


async def first_users(conn: asyncpg.Connection) -> list[uuid.UUID]:
    rows = await conn.fetch("SELECT id FROM profile ORDER BY id LIMIT $1", len(VIEWERS))
    return [row["id"] for row in rows]


async def measured_viewers(db_url: str) -> dict[tuple[int, int], uuid.UUID]:
    conn = await asyncpg.connect(db_url)
    try:
        return viewer_ids(await first_users(conn))
    finally:
        await conn.close()


# ------------------------------------------------------------------------ timing --


async def timed(
    calls: dict[str, Callable[[], Awaitable[object]]],
) -> dict[str, tuple[float, float]]:
    """(p50, p99) in ms of each call. The calls take turns in blocks (ROUNDS of them each,
    in a rotating order, each block after its own warm-up): a machine that slows down or
    speeds up during the run moves every figure alike, and each call is still timed in the
    steady state of its own requests (taking turns request by request put ~1 ms of the
    other processes' cache misses into the SQL's figure at scale 10)."""
    names = list(calls)
    samples: dict[str, list[float]] = {name: [] for name in names}
    per_round = max(1, TIMING["samples"] // ROUNDS)
    for round_ in range(ROUNDS):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            for _ in range(TIMING["warmup"]):
                await calls[name]()
            for _ in range(per_round):
                started = time.perf_counter()
                await calls[name]()
                samples[name].append((time.perf_counter() - started) * 1000)
    cuts = {name: statistics.quantiles(taken, n=100) for name, taken in samples.items()}
    return {name: (cut[49], cut[98]) for name, cut in cuts.items()}


class RawSql:
    """The feed's SQL over one asyncpg connection, no ORM and no HTTP: the statement
    GET /feed sends for a page (common.reads.Query), choosing its plan or made to take one."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def page(
        self, viewer: uuid.UUID, before: uuid.UUID, plan: str | None = None
    ) -> list[asyncpg.Record]:
        arguments = HOME_PAGE.arguments(
            {"viewer": viewer, "before": before, "limit": PAGE + 1, "plan": plan}
        )
        return await self.conn.fetch(HOME_PAGE.sql, *arguments)


class KeepAlive(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection for sequential GETs, its answers parsed by
    httptools (C), as asyncpg reads the SQL's rows: what is timed is the server's answer,
    not the client. aiohttp's client added 0.1-0.5 ms to a 30-40 KB page over wrk's figure
    for the same requests, and httpx's ~1.1 ms, which would be counted as the service's.

    A server closes a connection left idle past its keep-alive timeout (uvicorn's: 5 s),
    which a block of slow SQL calls can take at scale 10: as any client, this one then
    connects again, and tries a GET once more if the close crossed it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.host_header = f"host: {host}:{port}".encode()
        self.transport: asyncio.Transport | None = None
        self.body: list[bytes] = []
        self.answered: asyncio.Future[bytes] | None = None

    @classmethod
    async def open(cls, url: str) -> "KeepAlive":
        parts = urlsplit(url)
        assert parts.hostname and parts.port
        client = cls(parts.hostname, parts.port)
        await client._connect()
        return client

    async def _connect(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        await asyncio.get_running_loop().create_connection(lambda: self, self.host, self.port)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if self.answered is not None and not self.answered.done():
            self.answered.set_exception(ConnectionError("the server closed the connection"))

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        assert self.answered is not None
        status = self.parser.get_status_code()
        if status == 200:
            self.answered.set_result(b"".join(self.body))
        else:
            self.answered.set_exception(RuntimeError(f"status {status}: {self.body!r}"))

    async def get(self, path: str, params: dict[str, Any], headers: dict[str, str]) -> bytes:
        lines = [f"GET {path}?{urlencode(params)} HTTP/1.1".encode(), self.host_header]
        lines += [f"{name}: {value}".encode() for name, value in headers.items()]
        request = b"\r\n".join(lines) + b"\r\n\r\n"
        for attempt in (1, 2):
            if self.transport is None or self.transport.is_closing():
                await self._connect()
            assert self.transport is not None
            self.body = []
            self.answered = asyncio.get_running_loop().create_future()
            self.transport.write(request)
            try:
                async with asyncio.timeout(10):
                    return await self.answered
            except ConnectionError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def deep_cursor(client: KeepAlive, headers: dict[str, str]) -> str:
    cursor = None
    for _ in range(DEEP_PAGES):
        params = {"limit": PAGE} | ({"cursor": cursor} if cursor else {})
        cursor = orjson.loads(await client.get("/feed", params, headers))["next_cursor"]
        assert cursor, "the viewer's feed is shorter than the deep page"
    return cursor


# ------------------------------------------------------------------------- stack --


def start_http(name: str, app: str, port: int, env: dict[str, str], logs: Path) -> ManagedProcess:
    """`app`: a service's uvicorn factory, or "gateway" for the gateway's own server."""
    if app == "gateway":
        argv = [sys.executable, "-m", "gateway", "--host", "127.0.0.1", "--port", str(port)]
    else:
        uvicorn = str(Path(sys.executable).parent / "uvicorn")
        argv = [uvicorn, app, "--factory", "--host", "127.0.0.1", "--port", str(port)]
        argv.append("--no-access-log")
    process = ManagedProcess(name, argv, log_path=logs / f"{name}.log", env=env)
    process.start()
    return process


def serving(url: str) -> bool:
    return httpx.get(f"{url}/feed/global?limit=1", timeout=2).status_code == 200


# -------------------------------------------------------------------------- main --


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reload", action="store_true", help="rebuild the data set")
    parser.add_argument(
        "--samples", type=int, default=SAMPLES, help=f"timed requests per cell ({SAMPLES})"
    )
    parser.add_argument(
        "--warmup", type=int, default=WARMUP, help=f"untimed requests first ({WARMUP})"
    )
    parser.add_argument(
        "--load-only", action="store_true", help="load (or extend) the data set and stop"
    )
    parser.add_argument(
        "--tags",
        type=int,
        nargs="+",
        choices=sorted({tags for _, tags in VIEWERS}),
        help="only the viewers following this many tags (all by default)",
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=1,
        help="also run on this many times the users and posts, in a database of its own, "
        "and compare each cell's p50 with scale 1's",
    )
    args = parser.parse_args()
    TIMING.update(samples=args.samples, warmup=args.warmup)
    data_sets = [DataSet(1)] + ([DataSet(args.scale)] if args.scale > 1 else [])
    for data in data_sets:
        await load(data, reload=args.reload)
    if args.load_only:
        return
    issuer = TokenIssuer()
    jwks_url = await issuer.start()
    try:
        runs = [await run(data, issuer, jwks_url, tags=args.tags) for data in data_sets]
    finally:
        await issuer.stop()
    if len(runs) == 2:
        compare_scales(data_sets[1].scale, *runs)


Cell = tuple[int, int, str]  # (accounts followed, tags followed, page)
Row = dict[str, tuple[float, float]]


def tally(cells: Iterable[Cell], held: Callable[[Cell], bool]) -> str:
    """How many cells hold a target: issue 22's six pages (no followed tags) apart from the
    pages with followed tags, which came after the issue and whose SQL alone can take more
    than the whole page's target."""
    plain = [cell for cell in cells if cell[1] == 0]
    tagged = [cell for cell in cells if cell[1] != 0]
    counts = [f"{sum(map(held, plain))} of {len(plain)} pages without followed tags"]
    if tagged:
        counts.append(f"{sum(map(held, tagged))} of {len(tagged)} with")
    return "; ".join(counts)


async def run(
    data: DataSet, issuer: TokenIssuer, jwks_url: str, *, tags: list[int] | None
) -> dict[Cell, Row]:
    """The service and the gateway on one data set: every cell measured and printed."""
    _, db_url, sa_url = urls(data)
    print(f"\n== {data.users:,} users, {data.posts:,} posts ({data.database})")
    viewers = {
        case: viewer
        for case, viewer in (await measured_viewers(db_url)).items()
        if tags is None or case[1] in tags
    }
    logs = Path(tempfile.mkdtemp(prefix="bench-feed-"))
    social_port, gateway_port = free_port(), free_port()
    dead = f"http://127.0.0.1:{free_port()}"
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    env = social_env(sa_url, redis_url, jwks_url) | {
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
        start_http("gateway", "gateway", gateway_port, env, logs),
    ]
    # Set as the service's read pool sets its connections (jit off), so the SQL is its own.
    conn = await asyncpg.connect(db_url, server_settings=SERVER_SETTINGS)
    try:
        targets = {
            "direct": f"http://127.0.0.1:{social_port}",
            "gateway": f"http://127.0.0.1:{gateway_port}",
        }
        for (name, url), process in zip(targets.items(), processes, strict=True):
            await asyncio.to_thread(
                wait_for, lambda url=url: serving(url), timeout=60, what=name, process=process
            )
        rows = await report(conn, viewers, targets, issuer)
        print("RSS after the run: " + ", ".join(f"{p.name} {rss_mib(p)} MiB" for p in processes))
        return rows
    finally:
        await conn.close()
        for process in processes:
            process.stop()


def social_env(sa_url: str, redis_url: str, jwks_url: str) -> dict[str, str]:
    """Social's settings on the bench's data (bench/feed_cost.py serves it in-process)."""
    return {
        "LOG_LEVEL": "WARNING",
        "SOCIAL_DATABASE_URL": sa_url,
        "SOCIAL_REDIS_URL": redis_url,
        "SOCIAL_JWKS_URL": jwks_url,
        "SOCIAL_USERS_STREAM": "bench-feed-users",
    }


def rss_mib(process: ManagedProcess) -> int:
    """The process's resident memory now, from /proc (Linux)."""
    status = Path(f"/proc/{process.pid}/status").read_text()
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    return kib // 1024


def compare_scales(scale: int, small: dict[Cell, Row], large: dict[Cell, Row]) -> None:
    """Each cell's p50 at `scale` over its p50 at scale 1: do the plans stay flat?"""
    names = ("sql", "direct", "gateway")
    print(f"\np50 at scale {scale} / p50 at scale 1, same viewer shape and page")
    print(f"{'follows':>7} {'tags':>4} {'page':>5} | " + " ".join(f"{n:>8}" for n in names))
    worst: dict[Cell, float] = {}
    for cell, row in large.items():
        ratios = [row[n][0] / small[cell][n][0] for n in names]
        worst[cell] = max(ratios)
        print(f"{cell[0]:>7} {cell[1]:>4} {cell[2]:>5} | " + " ".join(f"{r:8.2f}" for r in ratios))
    print(
        f"worst {max(worst.values()):.2f}; <= {SCALE_RATIO_TARGET} in every column holds in "
        + tally(worst, lambda cell: worst[cell] <= SCALE_RATIO_TARGET)
    )


async def measure(
    raw: RawSql,
    clients: dict[str, KeepAlive],
    *,
    viewer: uuid.UUID,
    headers: dict[str, str],
    app_headers: dict[str, str],
    cursor: str | None,
) -> dict[str, tuple[float, float]]:
    """One viewer and page: the SQL alone (made to take each plan, and as the service
    sends it), the service directly and via the gateway, and the same page as the Mastodon
    client API's home timeline, directly, taking turns in blocks (timed)."""
    before = decode_cursor(cursor, uuid.UUID)[0] if cursor else NEWEST
    query = {"limit": PAGE} | ({"cursor": cursor} if cursor else {})

    async def page_sql(plan: str | None = None) -> None:
        await raw.page(viewer, before, plan)

    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "in": lambda: page_sql("scan"),
        "lateral": lambda: page_sql("merge"),
        "sql": page_sql,
    }
    for name, client in clients.items():

        async def fetch(client: KeepAlive = client) -> None:
            await client.get("/feed", query, headers)

        calls[name] = fetch
    timeline = {"limit": PAGE} | ({"max_id": str(before)} if cursor else {})

    async def fetch_timeline() -> None:
        await clients["direct"].get("/api/v1/timelines/home", timeline, app_headers)

    calls["mastodon"] = fetch_timeline
    return await timed(calls)


def cells(row: dict[str, tuple[float, float]], *names: str) -> str:
    return " ".join(f"{row[n][0]:6.2f}/{row[n][1]:6.2f}" for n in names)


async def report(
    conn: asyncpg.Connection,
    viewers: dict[tuple[int, int], uuid.UUID],
    targets: dict[str, str],
    issuer: TokenIssuer,
) -> dict[Cell, Row]:
    raw = RawSql(conn)
    header = (
        f"{'follows':>7} {'tags':>4} {'page':>5} | {'walk plan':>13} {'merge plan':>13} "
        f"{'service SQL':>13} | {'direct':>13} {'gateway':>13} | {'direct/SQL':>10} "
        f"{'gw/direct':>9} | {'Mastodon home':>13} {'home/feed':>9}"
    )
    print(
        f"\np50/p99 in ms, sequential requests, {TIMING['samples']} samples each after "
        f"{TIMING['warmup']} warm-up\n"
    )
    print(header)
    print("-" * len(header))
    clients = {name: await KeepAlive.open(url) for name, url in targets.items()}
    rows: dict[Cell, Row] = {}
    timeline_ratios = []
    try:
        for (follows, tags), viewer in viewers.items():
            # Valid for the whole run (the default 15 minutes may not be).
            token = issuer.token(str(viewer), "bench", exp=int(time.time()) + 3600)
            headers = {"Authorization": f"Bearer {token}"}
            # An app's token (common.app_tokens) for GET /api/v1/timelines/home.
            app_token = issuer.token(
                str(viewer), "bench", exp=int(time.time()) + 3600, scope="read", sid=str(viewer)
            )
            app_headers = {"Authorization": f"Bearer {app_token}"}
            deep = await deep_cursor(clients["direct"], headers)
            for page, cursor in (("first", None), ("deep", deep)):
                row = await measure(
                    raw,
                    clients,
                    viewer=viewer,
                    headers=headers,
                    app_headers=app_headers,
                    cursor=cursor,
                )
                direct_vs_sql = row["direct"][0] / row["sql"][0]
                timeline_vs_feed = row["mastodon"][0] / row["direct"][0]
                timeline_ratios.append(timeline_vs_feed)
                rows[(follows, tags, page)] = row
                gateway_vs_direct = row["gateway"][0] / row["direct"][0]
                print(
                    f"{follows:>7} {tags:>4} {page:>5} | {cells(row, 'in', 'lateral', 'sql')} | "
                    f"{cells(row, 'direct', 'gateway')} | "
                    f"{direct_vs_sql:10.2f} {gateway_vs_direct:9.2f} | "
                    f"{cells(row, 'mastodon')} {timeline_vs_feed:9.2f}"
                )
    finally:
        for client in clients.values():
            client.close()
    p99s = [row["gateway"][1] for row in rows.values()]
    print(
        f"\np99 through the gateway: {min(p99s):.2f}-{max(p99s):.2f} ms; <= {P99_TARGET_MS} ms "
        f"holds in " + tally(rows, lambda cell: rows[cell]["gateway"][1] <= P99_TARGET_MS)
    )
    print(
        f"GET /api/v1/timelines/home p50 / GET /feed p50, same viewer and page: "
        f"{min(timeline_ratios):.2f}-{max(timeline_ratios):.2f} "
        f"(target <= {TIMELINE_RATIO_TARGET}: "
        f"{'holds' if max(timeline_ratios) <= TIMELINE_RATIO_TARGET else 'not everywhere'})"
    )

    def fast(cell: Cell) -> bool:
        direct, sql = rows[cell]["direct"][0], rows[cell]["sql"][0]
        return direct <= DIRECT_P50_TARGET_MS and direct <= DIRECT_SQL_RATIO_TARGET * sql

    print(
        f"/feed direct p50 <= {DIRECT_P50_TARGET_MS} ms and <= {DIRECT_SQL_RATIO_TARGET}x its "
        f"SQL: " + tally(rows, fast)
    )
    return rows


if __name__ == "__main__":
    asyncio.run(main())
