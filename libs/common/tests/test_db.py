"""The transaction rule on a real Postgres: one unit of work commits or rolls back as a
whole, service functions compose into it, and after-commit work runs only after a commit."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, MetaData, String, Table, UniqueConstraint, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import (
    KeepsWrites,
    create_engine,
    create_sessionmaker,
    ensure_database,
    on_commit,
    transaction,
)
from common.errors import ApiError, Unauthorized

metadata = MetaData()
note = Table("note", metadata, Column("text", String, primary_key=True))
# Checked at COMMIT, so a commit itself can fail.
tag = Table(
    "tag",
    metadata,
    Column("text", String),
    UniqueConstraint("text", deferrable=True, initially="DEFERRED"),
)


@pytest.fixture(scope="module")
async def sessionmaker(fresh_database) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = await fresh_database("test_common_db")
    await ensure_database(url)
    engine = create_engine(url, pool_size=2)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def notes(sessionmaker) -> set[str]:
    async with transaction(sessionmaker) as session:
        return set(await session.scalars(select(note.c.text)))


# Two service functions as services write them: they flush, never commit.
async def add_note(*, session: AsyncSession, text: str, done: list[str]) -> None:
    await session.execute(insert(note).values(text=text))
    on_commit(session, lambda: _record(done, text))


async def _record(done: list[str], text: str) -> None:
    done.append(text)


async def refuse(*, session: AsyncSession) -> None:
    raise ApiError("no", code="refused")


async def test_service_functions_compose_into_one_transaction(sessionmaker):
    done: list[str] = []
    async with transaction(sessionmaker) as session:
        await add_note(session=session, text="first", done=done)
        await add_note(session=session, text="second", done=done)
        assert done == []  # nothing runs before the commit
    assert {"first", "second"} <= await notes(sessionmaker)
    assert done == ["first", "second"]


async def test_a_failure_later_in_the_unit_undoes_an_earlier_service_call(sessionmaker):
    done: list[str] = []
    with pytest.raises(ApiError):
        async with transaction(sessionmaker) as session:
            await add_note(session=session, text="undone", done=done)
            await refuse(session=session)
    assert "undone" not in await notes(sessionmaker)
    assert done == []  # its after-commit work never ran either


async def test_a_failed_commit_runs_no_after_commit_work(sessionmaker):
    done: list[str] = []
    async with transaction(sessionmaker) as session:
        await session.execute(insert(tag).values(text="taken"))
    with pytest.raises(IntegrityError):
        async with transaction(sessionmaker) as session:
            await add_note(session=session, text="lost", done=done)
            await session.execute(insert(tag).values(text="taken"))
    assert done == []
    assert "lost" not in await notes(sessionmaker)


async def test_after_commit_work_may_write_and_its_failure_does_not_undo_the_unit(sessionmaker):
    async def follow_up() -> None:
        await session.execute(insert(note).values(text="follow-up"))

    async def broken() -> None:
        raise ConnectionError("media is down")

    async with transaction(sessionmaker) as session:
        await session.execute(insert(note).values(text="main"))
        on_commit(session, broken)
    async with transaction(sessionmaker) as session:
        await session.execute(insert(note).values(text="main-2"))
        on_commit(session, follow_up)
    assert {"main", "main-2", "follow-up"} <= await notes(sessionmaker)


class Reused(Unauthorized, KeepsWrites):
    pass


async def test_an_error_that_keeps_writes_commits_them_and_still_propagates(sessionmaker):
    with pytest.raises(Reused):
        async with transaction(sessionmaker) as session:
            await session.execute(insert(note).values(text="revoked"))
            raise Reused()
    assert "revoked" in await notes(sessionmaker)
