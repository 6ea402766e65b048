"""The read path: a page of a feed is one statement on a pooled asyncpg connection, its rows
turned straight into JSON bytes.

Reads skip what the unit of work costs on every request (SQLAlchemy's pre-ping, `BEGIN`
and `COMMIT` around a lone `SELECT`, ORM rows, the response model validating them again):
bench/feed.py measured that at several times the SQL itself. A statement is still written
once with SQLAlchemy Core (so it shares its parts with the rest of the service) and
compiled to asyncpg's SQL when the module loads. Writes keep the ORM and the transaction
rule of `common.db`.

There is no pre-ping: a pooled connection that turns out dead (Postgres restarted) is
dropped with the rest of the idle ones, and the read is tried once more on a fresh one; a
second failure is the outage it looks like (503).
"""

import asyncio
import enum
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import asyncpg
import orjson
from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import ClauseElement, make_url
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.sql.compiler import SQLCompiler

from common.db import (
    CONNECT_TIMEOUT_SECONDS,
    POOL_TIMEOUT_SECONDS,
    SERVER_SETTINGS,
    STATEMENT_TIMEOUT_SECONDS,
)
from common.errors import DependencyUnavailable
from common.pagination import PageRequest

Row = TypeVar("Row")

_DIALECT = asyncpg_dialect.dialect()  # type: ignore[no-untyped-call]

# A connection lost under the read: the server restarted, stopped or dropped it.
LOST_CONNECTION = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    # Seen when the server's goodbye reaches a connection in the middle of the pool's
    # hand-over: the connection is as lost as in the cases above.
    asyncpg.InternalClientError,
)


@dataclass(frozen=True)
class Query:
    """A Core statement compiled once to asyncpg's `$n` SQL; `names` are its parameters in
    order, `constants` the values the statement itself carries (enum members, sizes)."""

    sql: str
    names: tuple[str, ...]
    constants: Mapping[str, Any]

    @classmethod
    def of(cls, statement: ClauseElement) -> "Query":
        compiled = statement.compile(dialect=_DIALECT)
        assert isinstance(compiled, SQLCompiler)
        # An IN list of constants (the restriction kinds) becomes a parameter per item.
        expanded = compiled.construct_expanded_state(dict(compiled.params))
        constants = {
            name: value.value if isinstance(value, enum.Enum) else value
            for name, value in expanded.parameters.items()
            if value is not None
        }
        return cls(expanded.statement, tuple(expanded.positiontup or ()), constants)

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        return [params[name] if name in params else self.constants[name] for name in self.names]


async def _decode_json(conn: asyncpg.Connection) -> None:
    # json and jsonb columns arrive as Python values, as SQLAlchemy gives them.
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(
            kind,
            schema="pg_catalog",
            encoder=lambda v: orjson.dumps(v).decode(),
            decoder=orjson.loads,
        )


# An idle read connection unused this long is closed (asyncpg's pool's default).
IDLE_SECONDS = 300.0


class ReadPool:
    """asyncpg connections for reads, in autocommit: no transaction around a `SELECT`.

    Kept here rather than in asyncpg's Pool, which is made for connections that carry
    session state: it resets each one on release (a round trip, unless told otherwise) and
    spends a task on every release (`asyncio.shield`) and on every acquire with a timeout
    (`wait_for`), the response waiting a turn of the event loop for each; in a feed page's
    profile that was a sixth of the service's CPU (bench/feed_cost.py). A read leaves no
    state behind, so here a connection is taken from a stack of idle ones (the most recently
    used first) and put back as it is; a semaphore bounds them, and only a caller that finds
    them all busy waits, within the pool timeout. One left idle for `idle_seconds` is closed,
    as asyncpg's pool did, so a burst's connections do not stay open on the server for good.
    """

    def __init__(self, url: str, *, max_size: int = 10, idle_seconds: float = IDLE_SECONDS) -> None:
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._slots = asyncio.Semaphore(max_size)
        self._idle_seconds = idle_seconds
        # (connection, idle since), the most recently used last; none at start, each opened
        # when a read finds none idle.
        self._idle: list[tuple[asyncpg.Connection, float]] = []
        self._closed = False

    async def close(self) -> None:
        """Closes the idle connections; one in use is closed when its read ends."""
        self._closed = True
        self._drop_idle()

    def _drop_idle(self) -> None:
        idle, self._idle = self._idle, []
        for conn, _ in idle:
            conn.terminate()

    async def _connect(self) -> asyncpg.Connection:
        conn = await asyncpg.connect(
            self._dsn,
            timeout=CONNECT_TIMEOUT_SECONDS,
            command_timeout=STATEMENT_TIMEOUT_SECONDS,
            server_settings=SERVER_SETTINGS,
        )
        await _decode_json(conn)
        return conn

    async def _run(self, sql: str, arguments: list[Any]) -> list[asyncpg.Record]:
        conn = self._idle.pop()[0] if self._idle else await self._connect()
        try:
            rows: list[asyncpg.Record] = await conn.fetch(sql, *arguments)
        except BaseException:
            # Lost, timed out or cancelled in the middle of a statement: in no state to
            # reuse.
            conn.terminate()
            raise
        self._put_back(conn)
        return rows

    def _put_back(self, conn: asyncpg.Connection) -> None:
        if self._closed:
            conn.terminate()
            return
        now = time.monotonic()
        self._idle.append((conn, now))
        # The bottom of the stack has been idle longest.
        while now - self._idle[0][1] > self._idle_seconds:
            self._idle.pop(0)[0].terminate()

    async def fetch(self, query: Query, **params: Any) -> list[asyncpg.Record]:
        """The statement's rows; 503 `postgres_unavailable` when Postgres cannot answer."""
        assert not self._closed, "a closed ReadPool"
        arguments = query.arguments(params)
        for attempt in (1, 2):
            try:
                if self._slots.locked():
                    async with asyncio.timeout(POOL_TIMEOUT_SECONDS):
                        await self._slots.acquire()
                else:
                    await self._slots.acquire()  # at once
                try:
                    return await self._run(query.sql, arguments)
                finally:
                    self._slots.release()
            except TimeoutError as exc:
                # No connection in time, or a statement past its timeout: trying again
                # would only double the wait.
                raise DependencyUnavailable("postgres") from exc
            except LOST_CONNECTION as exc:
                if attempt == 2:
                    raise DependencyUnavailable("postgres") from exc
                # Its neighbours died with it (a restart): the idle ones are replaced.
                self._drop_idle()
        raise AssertionError("unreachable")


@asynccontextmanager
async def read_pool(app: FastAPI, url: str, *, max_size: int = 10) -> AsyncIterator[ReadPool]:
    """Lifespan part: the service's read pool on `app.state.reads`."""
    pool = ReadPool(url, max_size=max_size)
    app.state.reads = pool
    try:
        yield pool
    finally:
        await pool.close()


async def get_reads(request: Request) -> ReadPool:
    reads: ReadPool = request.app.state.reads
    return reads


ReadsDep = Annotated[ReadPool, Depends(get_reads)]


def _uuid_text(value: object) -> str:
    # asyncpg's UUID subclasses uuid.UUID, and orjson writes only the exact type itself.
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_bytes(value: Any) -> bytes:
    """What the response models would have written (UTC as `Z`), without building them."""
    return orjson.dumps(value, default=_uuid_text, option=orjson.OPT_UTC_Z)


class JSONBytes(Response):
    """A body already serialised by `json_bytes`; the route's `response_model` documents it."""

    media_type = "application/json"


def page_response(
    page: PageRequest[Any],
    rows: Sequence[Row],
    *,
    key: Callable[[Row], Any],
    item: Callable[[Row], Any],
) -> JSONBytes:
    """A `Page` of `rows` (fetched with `limit + 1`), written as JSON at once."""
    shown, next_cursor = page.cut(rows, key=key)
    return JSONBytes(
        json_bytes({"items": [item(row) for row in shown], "next_cursor": next_cursor})
    )


__all__ = ["JSONBytes", "Query", "ReadPool", "ReadsDep", "json_bytes", "page_response", "read_pool"]
