"""The read path on a real Postgres: a statement written with SQLAlchemy Core runs as one
asyncpg statement, a pooled connection the server dropped is
replaced under the read instead of failing it, and a server that is gone is a 503."""

import asyncio
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import Integer, bindparam, column, select, text

from common.db import ensure_database
from common.errors import DependencyUnavailable
from common.reads import Query, ReadPool, json_bytes

NUMBERS = Query.of(
    select(column("n", Integer))
    .select_from(text("generate_series(1, 10) AS n"))
    .where(column("n", Integer) > bindparam("above", type_=Integer))
    .where(column("n", Integer).in_([3, 5, 7, 9]))
)
BACKEND = Query.of(text("SELECT pg_backend_pid() AS pid"))
SLOW = Query.of(text("SELECT pg_sleep(0.5)::text AS slept"))
NAPPING_BACKEND = Query.of(text("SELECT pg_backend_pid() AS pid, pg_sleep(0.1)::text AS slept"))


@pytest.fixture(scope="module")
async def url(fresh_database) -> str:
    url = await fresh_database("test_common_reads")
    await ensure_database(url)
    return url


@pytest.fixture
async def reads(url) -> AsyncIterator[ReadPool]:
    pool = ReadPool(url, max_size=2)
    yield pool
    await pool.close()


async def test_a_core_statement_runs_with_its_own_constants_and_the_callers_values(reads):
    rows = await reads.fetch(NUMBERS, above=4)
    assert [row["n"] for row in rows] == [5, 7, 9]


async def test_a_read_is_one_round_trip_nothing_after_it(reads, url):
    # The pooled connection's last statement is the read itself: releasing it sent nothing
    # (no RESET ALL and friends, a second round trip every read would wait for).
    pid = (await reads.fetch(BACKEND))[0]["pid"]
    admin = await admin_connection(url)
    try:
        last = await admin.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", pid)
    finally:
        await admin.close()
    assert last == BACKEND.sql


async def admin_connection(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(url.replace("+asyncpg", "").rsplit("/", 1)[0] + "/postgres")


async def test_connections_the_server_dropped_are_replaced_under_the_read(reads, url):
    pids = {(await reads.fetch(BACKEND))[0]["pid"]}
    admin = await admin_connection(url)
    try:
        # What a Postgres restart does to every pooled connection.
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            "test_common_reads",
        )
    finally:
        await admin.close()
    (row,) = await reads.fetch(BACKEND)
    assert row["pid"] not in pids


async def test_a_read_whose_connection_dies_under_it_is_tried_once_more(reads, url):
    admin = await admin_connection(url)
    read = asyncio.create_task(reads.fetch(SLOW))
    try:
        async with asyncio.timeout(10):
            while not await admin.fetchval(  # noqa: ASYNC110 (the read runs elsewhere)
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND query LIKE 'SELECT pg_sleep%'",
                "test_common_reads",
            ):
                await asyncio.sleep(0.01)
        # Killed once while running: the read comes back from a second connection.
        (row,) = await read
        assert row["slept"] == ""
    finally:
        read.cancel()
        await admin.close()


async def test_a_read_waits_for_a_free_connection_and_a_cancelled_one_frees_its_own(reads, url):
    # Two connections at most: the third of three slow reads runs after one of the first two.
    started = time.monotonic()
    answers = await asyncio.gather(*(reads.fetch(SLOW) for _ in range(3)))
    assert [rows[0]["slept"] for rows in answers] == ["", "", ""]
    assert time.monotonic() - started >= 2 * 0.5

    # Two reads cancelled in the middle of their statements (a caller gone) take nothing
    # with them: the next read has a connection at once.
    admin = await admin_connection(url)
    cancelled = [asyncio.create_task(reads.fetch(SLOW)) for _ in range(2)]
    try:
        async with asyncio.timeout(10):
            while await running_sleeps(admin) < 2:  # noqa: ASYNC110 (the reads run elsewhere)
                await asyncio.sleep(0.01)
    finally:
        await admin.close()
    for read in cancelled:
        read.cancel()
    async with asyncio.timeout(0.4):  # less than the cancelled statements had left
        (row,) = await reads.fetch(BACKEND)
    assert row["pid"]


async def test_a_connection_left_idle_too_long_is_closed(url):
    reads = ReadPool(url, max_size=2, idle_seconds=0.2)
    admin = await admin_connection(url)
    try:
        # Two reads at once: two connections.
        pids = {
            rows[0]["pid"]
            for rows in await asyncio.gather(*(reads.fetch(NAPPING_BACKEND) for _ in range(2)))
        }
        assert len(pids) == 2
        await asyncio.sleep(0.3)  # both idle past their time
        # The next read takes the most recently used one and, putting it back, closes the
        # other.
        (row,) = await reads.fetch(BACKEND)
        async with asyncio.timeout(10):
            while len(alive := pids & await backends(admin)) > 1:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        assert alive == {row["pid"]}
    finally:
        await admin.close()
        await reads.close()


async def backends(admin: asyncpg.Connection) -> set[int]:
    rows = await admin.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1", "test_common_reads"
    )
    return {row["pid"] for row in rows}


async def running_sleeps(admin: asyncpg.Connection) -> int:
    count: int = await admin.fetchval(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = $1 AND query LIKE 'SELECT pg_sleep%' AND state = 'active'",
        "test_common_reads",
    )
    return count


async def test_a_server_that_is_gone_is_a_503_not_a_500():
    pool = ReadPool("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    try:
        with pytest.raises(DependencyUnavailable) as raised:
            await pool.fetch(BACKEND)
        assert raised.value.code == "postgres_unavailable"
    finally:
        await pool.close()


def test_json_bytes_write_uuids_and_utc_as_the_response_models_do():
    import uuid
    from datetime import UTC, datetime

    from pydantic import TypeAdapter

    value = {"id": uuid.UUID(int=1), "at": datetime(2026, 12, 6, 3, 4, 5, 6, tzinfo=UTC)}
    model = TypeAdapter(dict[str, uuid.UUID | datetime])
    assert json_bytes(value) == model.dump_json(value)
