"""The rules of the analyses API: submitting, reading, cancelling, results and changes."""

import csv
import io
import math
import uuid
from collections.abc import Sequence

from arq.connections import ArqRedis
from redis.asyncio import Redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import on_commit
from common.errors import ApiError
from common.ids import UserId
from common.pagination import Page, PageRequest
from common.request_id import request_id_var
from igscraper.analyses import repository
from igscraper.analyses.exceptions import AnalysisAlreadyActive, AnalysisNotFound
from igscraper.analyses.jobs import announce, enqueue_step
from igscraper.analyses.models import (
    ACTIVE,
    Analysis,
    AnalysisStatus,
    AnalysisUser,
    Group,
    Listed,
)
from igscraper.analyses.repository import OnLists, QueueSnapshot
from igscraper.analyses.schemas import (
    AccountChanges,
    AnalysisCreate,
    AnalysisError,
    AnalysisRead,
    AnalysisResult,
    AnalysisSubmitted,
    IgUserRead,
    Progress,
    QueueRead,
    Stats,
    Target,
)
from igscraper.config import Settings
from igscraper.credentials.service import CredentialVault, parse_credentials

# What each group means: the target's lists its users are on, exactly.
GROUP_LISTS: dict[Group, OnLists] = {
    Group.mutuals: frozenset({Listed.followers, Listed.following}),
    # The target follows them; they don't follow back.
    Group.not_following_back: frozenset({Listed.following}),
    # They follow the target; the target doesn't follow back.
    Group.fans: frozenset({Listed.followers}),
}


async def claim_slot(*, session: AsyncSession, analysis_id: uuid.UUID, max_running: int) -> bool:
    """The queue's policy: queued → running when a slot is free and nobody submitted
    earlier still waits for one (first come, first served across every worker)."""
    await repository.lock_slot_claims(session)
    running, ahead = await repository.running_and_queued_ahead(session, analysis_id)
    if running + ahead >= max_running:
        return False
    return await repository.start(session, analysis_id)


async def count_groups(*, session: AsyncSession, analysis_id: uuid.UUID) -> dict[Group, int]:
    """Every group's size, in one pass over the analysis' users."""
    counts = await repository.count_on_lists(session, analysis_id, list(GROUP_LISTS.values()))
    return dict(zip(GROUP_LISTS, counts, strict=True))


async def store_group_counts(*, session: AsyncSession, analysis_id: uuid.UUID) -> None:
    """Keep the groups' sizes on the analysis, its result's summary."""
    counts = await count_groups(session=session, analysis_id=analysis_id)
    await repository.set_result_counts(
        session,
        analysis_id,
        mutuals=counts[Group.mutuals],
        not_following_back=counts[Group.not_following_back],
        fans=counts[Group.fans],
    )


async def submit_analysis(
    *,
    session: AsyncSession,
    vault: CredentialVault | None,
    arq: ArqRedis,
    settings: Settings,
    owner_id: UserId,
    data: AnalysisCreate,
) -> AnalysisSubmitted:
    """Queue an analysis and lock in its encrypted credentials; 409 if the account is busy.
    Its first step is enqueued once the analysis has committed, so the worker finds it
    (an enqueue lost then is made good by the stall sweeper)."""
    if vault is None:
        raise ApiError(
            "Analyses are not configured on this server", status=503, code="analyses_unavailable"
        )
    credentials = parse_credentials(
        session_id=data.session_id.get_secret_value(),
        csrf_token=data.csrf_token.get_secret_value() if data.csrf_token is not None else None,
    )
    username = data.username.lower() if data.username else None
    analysis = Analysis(
        owner_id=owner_id,
        viewer_ig_id=credentials.viewer_id,
        # Without a username the target is the session's own account, known by id now.
        target_ig_id=None if username else credentials.viewer_id,
        target_username=username,
        request_id=request_id_var.get(),
    )
    try:
        # The partial unique indexes decide; a savepoint keeps the request's transaction.
        async with session.begin_nested():
            await repository.add_analysis(session, analysis)
    except IntegrityError:
        active = await repository.find_active(
            session, target_ig_id=analysis.target_ig_id, target_username=username
        )
        raise AnalysisAlreadyActive(str(active.id) if active else None) from None
    await vault.store(analysis.id, credentials)
    on_commit(session, lambda: enqueue_step(arq, analysis.id, 0))
    snapshot = await repository.queue_snapshot(session, [analysis.id])
    position, wait = _queue_estimate(snapshot, analysis, settings)
    return AnalysisSubmitted(
        id=analysis.id,
        status=analysis.status,
        position_in_queue=position,
        estimated_wait_seconds=wait,
    )


def _queue_estimate(
    snapshot: QueueSnapshot, analysis: Analysis, settings: Settings
) -> tuple[int | None, int | None]:
    """Place in the queue (1 = next) and the expected wait from recent analyses' durations."""
    position = snapshot.positions.get(analysis.id)
    if analysis.status is not AnalysisStatus.queued or position is None:
        return None, None
    free = max(0, settings.max_concurrent_jobs - snapshot.running)
    if position <= free:
        return position, 0
    took = snapshot.recent_duration_seconds or settings.default_analysis_seconds
    rounds = math.ceil((position - free) / settings.max_concurrent_jobs)
    return position, math.ceil(rounds * took)


async def _queue_snapshot(session: AsyncSession, analyses: Sequence[Analysis]) -> QueueSnapshot:
    queued = [a.id for a in analyses if a.status is AnalysisStatus.queued]
    if not queued:  # nothing to estimate: no query
        return QueueSnapshot(running=0, positions={}, recent_duration_seconds=None)
    return await repository.queue_snapshot(session, queued)


async def describe_analysis(
    *, session: AsyncSession, settings: Settings, analysis: Analysis
) -> AnalysisRead:
    """An analysis as its owner sees it: status, progress, queue place, error, result."""
    snapshot = await _queue_snapshot(session, [analysis])
    return _analysis_read(analysis, snapshot, settings)


def _analysis_read(analysis: Analysis, snapshot: QueueSnapshot, settings: Settings) -> AnalysisRead:
    position, wait = _queue_estimate(snapshot, analysis, settings)
    target = Target(id=analysis.target_ig_id, username=analysis.target_username)
    result = None
    if analysis.mutual_count is not None:
        result = AnalysisResult(
            target=target,
            stats=Stats(
                followers_count=analysis.followers_fetched,
                following_count=analysis.following_fetched,
                mutual_count=analysis.mutual_count,
                not_following_back_count=analysis.not_following_back_count or 0,
                fans_count=analysis.fans_count or 0,
            ),
            complete=analysis.complete,
        )
    error = None
    if analysis.error_code is not None:
        error = AnalysisError(code=analysis.error_code, message=analysis.error_message or "")
    return AnalysisRead(
        id=analysis.id,
        status=analysis.status,
        target=target,
        progress=Progress(
            followers_fetched=analysis.followers_fetched,
            followers_total=analysis.followers_total,
            following_fetched=analysis.following_fetched,
            following_total=analysis.following_total,
        ),
        position_in_queue=position,
        estimated_wait_seconds=wait,
        error=error,
        result=result,
        created_at=analysis.created_at,
        started_at=analysis.started_at,
        finished_at=analysis.finished_at,
    )


async def list_analyses(
    *, session: AsyncSession, settings: Settings, owner_id: UserId, page: PageRequest[uuid.UUID]
) -> Page[AnalysisRead]:
    """The owner's analyses, newest first; queue places for the whole page in one query."""
    rows = await repository.list_for_owner(
        session, owner_id, limit=page.limit + 1, before=page.after
    )
    snapshot = await _queue_snapshot(session, rows[: page.limit])
    return page.page(rows, key=lambda a: a.id, item=lambda a: _analysis_read(a, snapshot, settings))


async def remove_analysis(
    *,
    session: AsyncSession,
    vault: CredentialVault | None,
    redis: Redis,
    settings: Settings,
    analysis: Analysis,
) -> None:
    """Cancel a queued or running analysis (wiping its credentials), or delete a finished one;
    once committed, a stream open on it hears of the change."""
    on_commit(session, lambda: announce(redis, settings, analysis.id))
    if analysis.status in ACTIVE and await repository.cancel(session, analysis.id):
        if vault is not None:
            await vault.wipe(analysis.id)
        return
    await repository.delete_analysis(session, analysis.id)


def _user_read(user: AnalysisUser, settings: Settings) -> IgUserRead:
    return IgUserRead(
        id=user.ig_user_id,
        username=user.username,
        full_name=user.full_name,
        # Media serves the cached copy: Instagram's CDN URLs expire and leak the viewer.
        pfp_url=f"{settings.public_url}/media/ig-avatars/{user.ig_user_id}",
        is_private=user.is_private,
        is_verified=user.is_verified,
    )


async def list_group_users(
    *,
    session: AsyncSession,
    settings: Settings,
    analysis: Analysis,
    group: Group,
    page: PageRequest[tuple[str, str]],
) -> Page[IgUserRead]:
    """One page of a group, by username."""
    rows = await repository.list_on_lists(
        session, analysis.id, GROUP_LISTS[group], limit=page.limit + 1, after=page.after
    )
    return page.page(
        rows, key=lambda u: (u.username, u.ig_user_id), item=lambda u: _user_read(u, settings)
    )


async def export_csv(*, session: AsyncSession, settings: Settings, analysis: Analysis) -> str:
    """Every user of all three groups, one row each, with the group it belongs to."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["group", "id", "username", "full_name", "is_private", "is_verified", "pfp_url"]
    )
    for group, on in GROUP_LISTS.items():
        for user in await repository.list_all_on_lists(session, analysis.id, on):
            read = _user_read(user, settings)
            writer.writerow(
                [
                    group,
                    read.id,
                    read.username,
                    read.full_name,
                    str(read.is_private).lower(),
                    str(read.is_verified).lower(),
                    read.pfp_url,
                ]
            )
    return out.getvalue()


async def account_changes(
    *, session: AsyncSession, settings: Settings, owner_id: UserId, ig_user_id: str
) -> AccountChanges:
    """Who came and who left between the owner's last two complete analyses of an account."""
    latest = await repository.latest_completed(session, owner_id, ig_user_id, limit=2)
    if not latest:
        raise AnalysisNotFound("No completed analysis of this account yet")
    current = latest[0]
    if len(latest) == 1:
        return AccountChanges(
            analysis_id=current.id,
            previous_analysis_id=None,
            new_followers=[],
            lost_followers=[],
            new_following=[],
            lost_following=[],
        )
    previous = latest[1]

    async def only_in(a: Analysis, b: Analysis, listed: Listed) -> list[IgUserRead]:
        users: Sequence[AnalysisUser] = await repository.users_only_in(session, a.id, b.id, listed)
        return [_user_read(u, settings) for u in users]

    return AccountChanges(
        analysis_id=current.id,
        previous_analysis_id=previous.id,
        new_followers=await only_in(current, previous, Listed.followers),
        lost_followers=await only_in(previous, current, Listed.followers),
        new_following=await only_in(current, previous, Listed.following),
        lost_following=await only_in(previous, current, Listed.following),
    )


async def queue_status(*, session: AsyncSession, settings: Settings) -> QueueRead:
    """How busy the analysis workers are, across every worker."""
    counts = await repository.count_by_status(session)
    return QueueRead(
        active=counts[AnalysisStatus.running],
        max_concurrent=settings.max_concurrent_jobs,
        queued=counts[AnalysisStatus.queued],
    )
