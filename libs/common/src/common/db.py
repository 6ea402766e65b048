"""Async SQLAlchemy plumbing: engine, units of work, database creation, migrations.

The one transaction rule: a unit of work (`transaction`, and `SessionDep` for a request)
commits on success and rolls back on error; services and repositories only flush. Work
that must follow the commit (S3 deletes, enqueueing, cache updates) is registered with
`on_commit` and runs once the commit succeeded, never if it did not. Nothing else in the
code base calls `commit()` or `rollback()` (a test enforces it).
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, cast

import asyncpg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import Depends, FastAPI, Request
from sqlalchemy import CursorResult, MetaData, Result, event, make_url, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from common.errors import DependencyUnavailable, classifies_outages
from common.health import Check

logger = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[None]]
_AFTER_COMMIT = "after_commit"

# Constraint names that Alembic autogenerate can diff, identical in every service.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def naming_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


# A connection refused fails at once; a server that accepts and then says nothing (frozen,
# or a network that drops packets) is given up on after these, as a 503, not a hang.
CONNECT_TIMEOUT_SECONDS = 3.0
STATEMENT_TIMEOUT_SECONDS = 15.0
# Waiting for a pooled connection while every one is busy (or stuck on a frozen server):
# long enough for a burst on a busy machine to queue, short of the gateway's 30 s.
POOL_TIMEOUT_SECONDS = 20.0

# No JIT: the services' queries are short OLTP statements that never gain from it, while a
# plan whose estimate passes jit_above_cost (a feed page with followed tags did) paid ~40 ms
# compiling on every request (bench/feed.py).
SERVER_SETTINGS = {"jit": "off"}

# What asyncpg raises while it cannot reach a server that is down, starting or stopping.
CONNECT_FAILURES = (
    OSError,
    TimeoutError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
)


# SQLSTATE classes of a server that cannot serve: connection exceptions (08), shutdown or
# start-up in progress (57P01-57P03), too many connections (53300).
OUTAGE_SQLSTATES = ("08", "57P", "53300")


@classifies_outages
def postgres_outage(exc: BaseException) -> str | None:
    """Postgres is down: a lost connection (SQLAlchemy invalidates it), no free connection
    in time, or the server refusing work while it stops or starts."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return "postgres"
    if isinstance(exc, sa_exc.TimeoutError | asyncpg.PostgresConnectionError):
        return "postgres"
    # SQLAlchemy's asyncpg adapter keeps the code as `pgcode`, asyncpg as `sqlstate`.
    sqlstate = getattr(exc, "pgcode", None) or getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(OUTAGE_SQLSTATES):
        return "postgres"
    return None


def _connect_or_unavailable(engine: AsyncEngine) -> None:
    # asyncpg's connect raises plain OSErrors that nothing would tie to Postgres; naming
    # them here makes a refused connection a 503 at once instead of an unknown 500.
    @event.listens_for(engine.sync_engine, "do_connect")
    def connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        try:
            return dialect.connect(*cargs, **cparams)
        except CONNECT_FAILURES as exc:
            raise DependencyUnavailable("postgres") from exc


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        connect_args={
            "timeout": CONNECT_TIMEOUT_SECONDS,
            "command_timeout": STATEMENT_TIMEOUT_SECONDS,
            "server_settings": SERVER_SETTINGS,
        },
    )
    _connect_or_unavailable(engine)
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class KeepsWrites(Exception):
    """Mixed into an error whose writes must stand although the answer is an error (a
    detected refresh-token reuse revokes the family and answers 401): the unit of work
    commits them, then the error propagates."""


def on_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` after the session's unit of work commits; never if it rolls back.

    Callbacks may use the session again: what they write is committed after them. Their
    failures are logged, not raised: the unit of work has committed, so whatever must not
    be lost has to be in it already (an outbox row), with the callback as the fast path.
    """
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


async def _run_after_commit(session: AsyncSession) -> None:
    while callbacks := session.info.pop(_AFTER_COMMIT, None):
        try:
            for callback in callbacks:
                await callback()
            await session.commit()
        except Exception as exc:
            logger.warning("after-commit work failed (%s): left to its retry", type(exc).__name__)
            await session.rollback()


@asynccontextmanager
async def transaction(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error, then the `on_commit`
    callbacks. Requests get theirs from `SessionDep`; background work opens its own."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except KeepsWrites:
            await session.commit()
            await _run_after_commit(session)
            raise
        except BaseException:
            await session.rollback()
            raise
        await _run_after_commit(session)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request owns the transaction: commit on success, roll back on any error."""
    async with transaction(request.app.state.sessionmaker) as session:
        yield session


# scope="function": commit before the response goes out, so a failed commit is an error
# response and a client never reads its own write as missing.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched, as the driver counted them."""
    return cast(CursorResult[Any], result).rowcount


def postgres_check(engine: AsyncEngine) -> Check:
    async def check() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return check


@asynccontextmanager
async def database(
    app: FastAPI,
    url: str,
    migrations_dir: Path,
    *,
    migrate_on_start: bool = True,
    pool_size: int = 10,
) -> AsyncIterator[AsyncEngine]:
    """Lifespan part: migrate (or wait for the migration), then keep an engine and
    sessionmaker on `app.state`."""
    await prepare_database(url, migrations_dir, migrate_on_start=migrate_on_start)
    engine = create_engine(url, pool_size=pool_size)
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    app.state.health_checks["postgres"] = postgres_check(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


async def ensure_database(url: str) -> None:
    """Create the service's own database if it is missing (idempotent, race-safe)."""
    target = make_url(url)
    name = target.database
    admin = target.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            # Another replica may win the race; its database is as good as ours. (Two
            # CREATE DATABASE at once can also collide on pg_database's unique index.)
            with contextlib.suppress(asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def alembic_config(url: str, migrations_dir: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def migrate(url: str, migrations_dir: Path) -> None:
    """Create the database if needed and upgrade it to head (env.py holds the advisory lock)."""
    await ensure_database(url)
    # Alembic's env.py runs its own event loop, so it gets a thread of its own.
    await asyncio.to_thread(command.upgrade, alembic_config(url, migrations_dir), "head")


async def applied_revisions(url: str) -> set[str]:
    """The revisions the database is at; empty while it or its version table is missing."""
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = await asyncpg.connect(plain)
    except asyncpg.InvalidCatalogNameError:
        return set()
    try:
        return {row[0] for row in await conn.fetch("SELECT version_num FROM alembic_version")}
    except asyncpg.UndefinedTableError:
        return set()
    finally:
        await conn.close()


async def wait_until_migrated(
    url: str, migrations_dir: Path, *, timeout: float = 600.0, interval: float = 1.0
) -> None:
    """Return once another process (a migration Job) has upgraded the database to head."""
    heads = set(ScriptDirectory.from_config(alembic_config(url, migrations_dir)).get_heads())
    async with asyncio.timeout(timeout):
        while await applied_revisions(url) != heads:  # noqa: ASYNC110 (another process)
            await asyncio.sleep(interval)


async def prepare_database(url: str, migrations_dir: Path, *, migrate_on_start: bool) -> None:
    """Before a process uses its database: migrate it, or, where a migration Job owns that
    (Kubernetes), wait until the Job has brought it to head."""
    if migrate_on_start:
        await migrate(url, migrations_dir)
    else:
        await wait_until_migrated(url, migrations_dir)
