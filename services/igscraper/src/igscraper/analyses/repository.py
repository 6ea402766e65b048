"""Every SQL statement about analyses and their users."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, delete, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from igscraper.analyses.models import (
    ACTIVE,
    COMPLETED,
    FOLLOWED,
    FOLLOWER,
    QUEUED,
    RUNNING,
    Analysis,
    AnalysisUser,
)
from igscraper.instagram.client import InstagramUser

Group = Literal["mutuals", "not_following_back", "fans"]
GROUPS: tuple[Group, ...] = ("mutuals", "not_following_back", "fans")

# group → (follows_you, you_follow)
_GROUP_FLAGS: dict[str, tuple[bool, bool]] = {
    "mutuals": (True, True),
    # You follow them; they don't follow you back.
    "not_following_back": (False, True),
    # They follow you; you don't follow them back.
    "fans": (True, False),
}

# Any constant: only the slot claim takes this lock, inside the igscraper database.
SLOT_LOCK_KEY = 2026112206


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
    session: AsyncSession, owner_id: str, *, limit: int, before: uuid.UUID | None
) -> Sequence[Analysis]:
    query = select(Analysis).where(Analysis.owner_id == owner_id)
    if before is not None:
        query = query.where(Analysis.id < before)
    return (await session.scalars(query.order_by(Analysis.id.desc()).limit(limit))).all()


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    query = (
        select(Analysis.status, func.count())
        .where(Analysis.status.in_(ACTIVE))
        .group_by(Analysis.status)
    )
    counts = {status: n for status, n in await session.execute(query)}
    return {status: counts.get(status, 0) for status in ACTIVE}


async def queued_ahead(session: AsyncSession, analysis_id: uuid.UUID) -> int:
    """Queued analyses submitted before this one (ids are time-ordered)."""
    query = select(func.count()).where(Analysis.status == QUEUED, Analysis.id < analysis_id)
    return int(await session.scalar(query) or 0)


async def recent_duration_seconds(session: AsyncSession, *, sample: int = 20) -> float | None:
    recent = (
        select((Analysis.finished_at - Analysis.started_at).label("took"))
        .where(Analysis.status == COMPLETED, Analysis.started_at.is_not(None))
        .order_by(Analysis.finished_at.desc())
        .limit(sample)
        .subquery()
    )
    took = await session.scalar(select(func.avg(recent.c.took)))
    return took.total_seconds() if took is not None else None


async def cancel(session: AsyncSession, analysis_id: uuid.UUID) -> bool:
    result = await session.execute(
        update(Analysis)
        .where(Analysis.id == analysis_id, Analysis.status.in_(ACTIVE))
        .values(status="cancelled", finished_at=func.now())
    )
    return result.rowcount == 1


async def delete_analysis(session: AsyncSession, analysis_id: uuid.UUID) -> None:
    await session.execute(delete(Analysis).where(Analysis.id == analysis_id))


def _group_query(analysis_id: uuid.UUID, group: str) -> Select[tuple[AnalysisUser]]:
    follows_you, you_follow = _GROUP_FLAGS[group]
    return select(AnalysisUser).where(
        AnalysisUser.analysis_id == analysis_id,
        AnalysisUser.follows_you.is_(follows_you),
        AnalysisUser.you_follow.is_(you_follow),
    )


async def list_group(
    session: AsyncSession,
    analysis_id: uuid.UUID,
    group: str,
    *,
    limit: int,
    after: tuple[str, str] | None,
) -> Sequence[AnalysisUser]:
    """One keyset page of a group, by (username, id): the listing index's order."""
    query = _group_query(analysis_id, group)
    if after is not None:
        query = query.where(tuple_(AnalysisUser.username, AnalysisUser.ig_user_id) > tuple_(*after))
    query = query.order_by(AnalysisUser.username, AnalysisUser.ig_user_id).limit(limit)
    return (await session.scalars(query)).all()


async def list_whole_group(
    session: AsyncSession, analysis_id: uuid.UUID, group: str
) -> Sequence[AnalysisUser]:
    query = _group_query(analysis_id, group).order_by(
        AnalysisUser.username, AnalysisUser.ig_user_id
    )
    return (await session.scalars(query)).all()


async def group_counts(session: AsyncSession, analysis_id: uuid.UUID) -> dict[str, int]:
    """All three groups' sizes in one pass over the analysis' users."""
    counts = [
        func.count().filter(
            AnalysisUser.follows_you.is_(follows_you), AnalysisUser.you_follow.is_(you_follow)
        )
        for follows_you, you_follow in _GROUP_FLAGS.values()
    ]
    row = (
        await session.execute(select(*counts).where(AnalysisUser.analysis_id == analysis_id))
    ).one()
    return dict(zip(_GROUP_FLAGS, row, strict=True))


async def latest_completed(
    session: AsyncSession, owner_id: str, target_ig_id: str, *, limit: int
) -> Sequence[Analysis]:
    query = (
        select(Analysis)
        .where(
            Analysis.owner_id == owner_id,
            Analysis.target_ig_id == target_ig_id,
            Analysis.status == COMPLETED,
        )
        .order_by(Analysis.finished_at.desc())
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def users_only_in(
    session: AsyncSession, analysis_id: uuid.UUID, baseline_id: uuid.UUID, listed: str
) -> Sequence[AnalysisUser]:
    """Users on a list (`listed` = FOLLOWER or FOLLOWED) in one analysis and not in the
    baseline's. NOT IN over a subquery: a hashed lookup whatever the row estimates."""
    flag = getattr(AnalysisUser, listed)
    baseline = aliased(AnalysisUser)
    in_baseline = select(baseline.ig_user_id).where(
        baseline.analysis_id == baseline_id, getattr(baseline, listed).is_(True)
    )
    query = (
        select(AnalysisUser)
        .where(
            AnalysisUser.analysis_id == analysis_id,
            flag.is_(True),
            AnalysisUser.ig_user_id.not_in(in_baseline),
        )
        .order_by(AnalysisUser.username, AnalysisUser.ig_user_id)
    )
    return (await session.scalars(query)).all()


# --- the worker's side ---------------------------------------------------------------


async def claim_slot(session: AsyncSession, analysis_id: uuid.UUID, *, max_running: int) -> bool:
    """Queued → running when a slot is free and nobody older waits for it.

    The transaction-scoped advisory lock serialises claims from every worker, so the
    count and the update cannot interleave."""
    await session.execute(select(func.pg_advisory_xact_lock(SLOT_LOCK_KEY)))
    running = await session.scalar(select(func.count()).where(Analysis.status == RUNNING))
    ahead = await queued_ahead(session, analysis_id)
    if (running or 0) + ahead >= max_running:
        return False
    result = await session.execute(
        update(Analysis)
        .where(Analysis.id == analysis_id, Analysis.status == QUEUED)
        .values(status=RUNNING, started_at=func.now())
    )
    return result.rowcount == 1


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
    return result.rowcount == 1


async def add_users(
    session: AsyncSession, analysis_id: uuid.UUID, listed: str, users: Sequence[InstagramUser]
) -> None:
    """Mark users as found on a list (`listed` = FOLLOWER or FOLLOWED). Idempotent: a user
    seen again (a re-run step, an overlapping page) stays one row."""
    rows = {
        u.id: {
            "analysis_id": analysis_id,
            "ig_user_id": u.id,
            "username": u.username,
            "full_name": u.full_name,
            "is_private": u.is_private,
            "is_verified": u.is_verified,
            "profile_pic_url": u.profile_pic_url,
            FOLLOWER: listed == FOLLOWER,
            FOLLOWED: listed == FOLLOWED,
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
                set_={listed: True},
            )
        )


async def refresh_fetched_counts(session: AsyncSession, analysis_id: uuid.UUID) -> None:
    def fetched(listed: str) -> Any:
        return (
            select(func.count())
            .where(AnalysisUser.analysis_id == analysis_id, getattr(AnalysisUser, listed))
            .scalar_subquery()
        )

    await session.execute(
        update(Analysis)
        .where(Analysis.id == analysis_id)
        .values(followers_fetched=fetched(FOLLOWER), following_fetched=fetched(FOLLOWED))
    )


async def store_group_counts(session: AsyncSession, analysis_id: uuid.UUID) -> None:
    counts = await group_counts(session, analysis_id)
    await session.execute(
        update(Analysis)
        .where(Analysis.id == analysis_id)
        .values(
            mutual_count=counts["mutuals"],
            not_following_back_count=counts["not_following_back"],
            fans_count=counts["fans"],
        )
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
    return result.rowcount


async def avatar_batch(
    session: AsyncSession, analysis_id: uuid.UUID, *, after: str | None, limit: int
) -> Sequence[tuple[str, str]]:
    """(ig user id, picture URL) of the analysis' users, in id order from `after`."""
    query = select(AnalysisUser.ig_user_id, AnalysisUser.profile_pic_url).where(
        AnalysisUser.analysis_id == analysis_id, AnalysisUser.profile_pic_url.is_not(None)
    )
    if after is not None:
        query = query.where(AnalysisUser.ig_user_id > after)
    query = query.order_by(AnalysisUser.ig_user_id).limit(limit)
    return (await session.execute(query)).all()
