"""Every SQL statement about analyses and their users."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import affected
from common.ids import UserId
from igscraper.analyses.models import ACTIVE, Analysis, AnalysisStatus, AnalysisUser, Listed
from igscraper.analyses.scan import FoundUser

# Any constant: only slot claims take this lock, inside the igscraper database.
SLOT_LOCK_KEY = 2026112206

# The lists a user is on, exactly: how the service names a group to this module.
OnLists = frozenset[Listed]


async def add_analysis(session: AsyncSession, analysis: Analysis) -> Analysis:
    session.add(analysis)
    await session.flush()
    return analysis


async def get_analysis(session: AsyncSession, analysis_id: uuid.UUID) -> Analysis | None:
    return await session.get(Analysis, analysis_id, populate_existing=True)


async def find_active(
    session: AsyncSession, *, target_ig_id: str | None, target_username: str | None
) -> Analysis | None:
    conditions = []
    if target_ig_id is not None:
        conditions.append(Analysis.target_ig_id == target_ig_id)
    if target_username is not None:
        conditions.append(Analysis.target_username == target_username)
    query = select(Analysis).where(Analysis.status.in_(ACTIVE), or_(*conditions)).limit(1)
    return (await session.scalars(query)).first()


async def list_for_owner(
    session: AsyncSession, owner_id: UserId, *, limit: int, before: uuid.UUID | None
) -> Sequence[Analysis]:
    query = select(Analysis).where(Analysis.owner_id == owner_id)
    if before is not None:
        query = query.where(Analysis.id < before)
    return (await session.scalars(query.order_by(Analysis.id.desc()).limit(limit))).all()


async def count_by_status(session: AsyncSession) -> dict[AnalysisStatus, int]:
    query = (
        select(Analysis.status, func.count())
        .where(Analysis.status.in_(ACTIVE))
        .group_by(Analysis.status)
    )
    counts = {status: n for status, n in await session.execute(query)}
    return {status: counts.get(status, 0) for status in ACTIVE}


def _running() -> ColumnElement[int]:
    return select(func.count()).where(Analysis.status == AnalysisStatus.running).scalar_subquery()


def _queued_ahead(analysis_id: uuid.UUID) -> ColumnElement[int]:
    """Queued analyses submitted before this one (ids are time-ordered)."""
    return (
        select(func.count())
        .where(Analysis.status == AnalysisStatus.queued, Analysis.id < analysis_id)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class QueueSnapshot:
    running: int
    # Place in the queue (1 = next) of each queued analysis asked about.
    positions: dict[uuid.UUID, int]
    # Mean duration of the latest completed analyses; None before any has completed.
    recent_duration_seconds: float | None


async def queue_snapshot(
    session: AsyncSession, analysis_ids: Sequence[uuid.UUID], *, sample: int = 20
) -> QueueSnapshot:
    """Everything queue estimates need for a set of analyses, in one statement."""
    queued = (
        select(Analysis.id, func.row_number().over(order_by=Analysis.id).label("position"))
        .where(Analysis.status == AnalysisStatus.queued)
        .subquery()
    )
    positions = (
        select(func.json_object_agg(queued.c.id, queued.c.position))
        .where(queued.c.id.in_(analysis_ids))
        .scalar_subquery()
    )
    recent = (
        select((Analysis.finished_at - Analysis.started_at).label("took"))
        .where(Analysis.status == AnalysisStatus.completed, Analysis.started_at.is_not(None))
        .order_by(Analysis.finished_at.desc())
        .limit(sample)
        .subquery()
    )
    took = select(func.avg(recent.c.took)).scalar_subquery()
    running, placed, mean = (await session.execute(select(_running(), positions, took))).one()
    return QueueSnapshot(
        running=running,
        positions={uuid.UUID(key): int(n) for key, n in (placed or {}).items()},
        recent_duration_seconds=mean.total_seconds() if mean is not None else None,
    )


async def cancel(session: AsyncSession, analysis_id: uuid.UUID) -> bool:
    result = await session.execute(
        update(Analysis)
        .where(Analysis.id == analysis_id, Analysis.status.in_(ACTIVE))
        .values(status=AnalysisStatus.cancelled, finished_at=func.now())
    )
    return affected(result) == 1


async def delete_all_of(session: AsyncSession, owner_id: UserId) -> list[uuid.UUID]:
    """Every analysis of the owner, with its users (cascade); returns their ids."""
    deleted = await session.scalars(
        delete(Analysis).where(Analysis.owner_id == owner_id).returning(Analysis.id)
    )
    return list(deleted)


async def delete_analysis(session: AsyncSession, analysis_id: uuid.UUID) -> None:
    await session.execute(delete(Analysis).where(Analysis.id == analysis_id))


def _exactly_on(on: OnLists) -> list[ColumnElement[bool]]:
    return [AnalysisUser.listed_on(listed).is_(listed in on) for listed in Listed]


def _on_lists_query(analysis_id: uuid.UUID, on: OnLists) -> Select[AnalysisUser]:
    return select(AnalysisUser).where(AnalysisUser.analysis_id == analysis_id, *_exactly_on(on))


async def list_on_lists(
    session: AsyncSession,
    analysis_id: uuid.UUID,
    on: OnLists,
    *,
    limit: int,
    after: tuple[str, str] | None,
) -> Sequence[AnalysisUser]:
    """One keyset page of the users on exactly these lists, by (username, id): the
    listing index's order."""
    query = _on_lists_query(analysis_id, on)
    if after is not None:
        query = query.where(tuple_(AnalysisUser.username, AnalysisUser.ig_user_id) > tuple_(*after))
    query = query.order_by(AnalysisUser.username, AnalysisUser.ig_user_id).limit(limit)
    return (await session.scalars(query)).all()


async def list_all_on_lists(
    session: AsyncSession, analysis_id: uuid.UUID, on: OnLists
) -> Sequence[AnalysisUser]:
    query = _on_lists_query(analysis_id, on).order_by(
        AnalysisUser.username, AnalysisUser.ig_user_id
    )
    return (await session.scalars(query)).all()


async def count_on_lists(
    session: AsyncSession, analysis_id: uuid.UUID, combinations: Sequence[OnLists]
) -> list[int]:
    """How many users are on exactly each combination of lists, in one pass."""
    counts = [func.count().filter(*_exactly_on(on)) for on in combinations]
    row = (
        await session.execute(select(*counts).where(AnalysisUser.analysis_id == analysis_id))
    ).one()
    return [int(n) for n in row]


async def latest_completed(
    session: AsyncSession, owner_id: UserId, target_ig_id: str, *, limit: int
) -> Sequence[Analysis]:
    query = (
        select(Analysis)
        .where(
            Analysis.owner_id == owner_id,
            Analysis.target_ig_id == target_ig_id,
            Analysis.status == AnalysisStatus.completed,
        )
        .order_by(Analysis.finished_at.desc())
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def users_only_in(
    session: AsyncSession, analysis_id: uuid.UUID, baseline_id: uuid.UUID, listed: Listed
) -> Sequence[AnalysisUser]:
    """Users on a list in one analysis and not on it in the baseline's. NOT IN over a
    subquery: a hashed lookup whatever the row estimates."""
    on_list = AnalysisUser.listed_on(listed).is_(True)
    # Not correlated: the subquery reads the baseline's own rows.
    in_baseline = (
        select(AnalysisUser.ig_user_id)
        .where(AnalysisUser.analysis_id == baseline_id, on_list)
        .correlate(None)
    )
    query = (
        select(AnalysisUser)
        .where(
            AnalysisUser.analysis_id == analysis_id,
            AnalysisUser.listed_on(listed).is_(True),
            AnalysisUser.ig_user_id.not_in(in_baseline),
        )
        .order_by(AnalysisUser.username, AnalysisUser.ig_user_id)
    )
    return (await session.scalars(query)).all()


# --- the worker's side ---------------------------------------------------------------


async def lock_slot_claims(session: AsyncSession) -> None:
    """Serialise slot claims from every worker until this transaction ends, so a claim's
    count and its update cannot interleave with another's."""
    await session.execute(select(func.pg_advisory_xact_lock(SLOT_LOCK_KEY)))


async def running_and_queued_ahead(
    session: AsyncSession, analysis_id: uuid.UUID
) -> tuple[int, int]:
    running, ahead = (await session.execute(select(_running(), _queued_ahead(analysis_id)))).one()
    return int(running), int(ahead)


async def start(session: AsyncSession, analysis_id: uuid.UUID) -> bool:
    """Queued → running; False if it was not queued (cancelled meanwhile)."""
    result = await session.execute(
        update(Analysis)
        .where(Analysis.id == analysis_id, Analysis.status == AnalysisStatus.queued)
        .values(status=AnalysisStatus.running, started_at=func.now())
    )
    return affected(result) == 1


async def advance_step(
    session: AsyncSession, analysis_id: uuid.UUID, step: int, values: dict[str, Any]
) -> bool:
    """Move from `step` to `step + 1` with `values`; False if another run or a cancel
    got there first (the row lock makes a concurrent duplicate wait, then miss)."""
    result = await session.execute(
        update(Analysis)
        .where(Analysis.id == analysis_id, Analysis.step == step, Analysis.status.in_(ACTIVE))
        .values(step=step + 1, **values)
    )
    return affected(result) == 1


async def add_users(
    session: AsyncSession, analysis_id: uuid.UUID, listed: Listed, users: Sequence[FoundUser]
) -> None:
    """Mark users as found on a list. Idempotent: a user seen again (a re-run step, an
    overlapping page) stays one row."""
    flag = AnalysisUser.listed_on(listed).key
    rows = {
        u.ig_user_id: {
            "analysis_id": analysis_id,
            "ig_user_id": u.ig_user_id,
            "username": u.username,
            "full_name": u.full_name,
            "is_private": u.is_private,
            "is_verified": u.is_verified,
            "profile_pic_url": u.profile_pic_url,
            **{AnalysisUser.listed_on(other).key: other is listed for other in Listed},
        }
        for u in users
    }
    # Multi-row inserts, kept under asyncpg's 32767 bind parameters.
    chunk = 2000
    values = list(rows.values())
    for start in range(0, len(values), chunk):
        statement = insert(AnalysisUser).values(values[start : start + chunk])
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[AnalysisUser.analysis_id, AnalysisUser.ig_user_id],
                set_={flag: True},
            )
        )


async def refresh_fetched_counts(session: AsyncSession, analysis_id: uuid.UUID) -> None:
    def fetched(listed: Listed) -> ColumnElement[int]:
        return (
            select(func.count())
            .where(
                AnalysisUser.analysis_id == analysis_id, AnalysisUser.listed_on(listed).is_(True)
            )
            .scalar_subquery()
        )

    await session.execute(
        update(Analysis)
        .where(Analysis.id == analysis_id)
        .values(
            followers_fetched=fetched(Listed.followers),
            following_fetched=fetched(Listed.following),
        )
    )


async def set_result_counts(
    session: AsyncSession,
    analysis_id: uuid.UUID,
    *,
    mutuals: int,
    not_following_back: int,
    fans: int,
) -> None:
    await session.execute(
        update(Analysis)
        .where(Analysis.id == analysis_id)
        .values(mutual_count=mutuals, not_following_back_count=not_following_back, fans_count=fans)
    )


async def stalled(session: AsyncSession, *, idle_since: datetime) -> Sequence[tuple[Any, int]]:
    query = select(Analysis.id, Analysis.step).where(
        Analysis.status.in_(ACTIVE), Analysis.updated_at < idle_since
    )
    return (await session.execute(query)).all()


async def purge_finished(session: AsyncSession, *, finished_before: datetime) -> int:
    result = await session.execute(
        delete(Analysis).where(
            Analysis.status.not_in(ACTIVE), Analysis.finished_at < finished_before
        )
    )
    return affected(result)


async def avatar_batch(
    session: AsyncSession, analysis_id: uuid.UUID, *, after: str | None, limit: int
) -> list[tuple[str, str]]:
    """(ig user id, picture URL) of the analysis' users, in id order from `after`."""
    query = select(AnalysisUser.ig_user_id, AnalysisUser.profile_pic_url).where(
        AnalysisUser.analysis_id == analysis_id, AnalysisUser.profile_pic_url.is_not(None)
    )
    if after is not None:
        query = query.where(AnalysisUser.ig_user_id > after)
    query = query.order_by(AnalysisUser.ig_user_id).limit(limit)
    return [(ig_user_id, url) for ig_user_id, url in await session.execute(query) if url]
