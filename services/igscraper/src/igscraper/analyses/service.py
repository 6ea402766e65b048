"""The rules of the analyses API: submitting, reading, cancelling, results and changes."""

import csv
import io
import math
import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import ApiError
from igscraper.analyses import repository
from igscraper.analyses.exceptions import AnalysisAlreadyActive, AnalysisNotFound
from igscraper.analyses.models import (
    ACTIVE,
    FOLLOWED,
    FOLLOWER,
    QUEUED,
    RUNNING,
    Analysis,
    AnalysisUser,
)
from igscraper.analyses.pagination import decode_cursor, encode_cursor
from igscraper.analyses.repository import GROUPS
from igscraper.analyses.schemas import (
    AccountChanges,
    AnalysisCreate,
    AnalysisError,
    AnalysisPage,
    AnalysisRead,
    AnalysisResult,
    AnalysisSubmitted,
    IgUserPage,
    IgUserRead,
    Progress,
    QueueRead,
    Stats,
    Target,
)
from igscraper.config import Settings
from igscraper.credentials.service import CredentialVault, parse_credentials


async def submit_analysis(
    *,
    session: AsyncSession,
    vault: CredentialVault | None,
    settings: Settings,
    owner_id: str,
    data: AnalysisCreate,
) -> AnalysisSubmitted:
    """Queue an analysis and lock in its encrypted credentials; 409 if the account is busy."""
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
    position, wait = await _queue_estimate(session, analysis, settings)
    return AnalysisSubmitted(
        id=analysis.id,
        status=analysis.status,
        position_in_queue=position,
        estimated_wait_seconds=wait,
    )


async def _queue_estimate(
    session: AsyncSession, analysis: Analysis, settings: Settings
) -> tuple[int | None, int | None]:
    """Place in the queue (1 = next) and the expected wait from recent analyses' durations."""
    if analysis.status != QUEUED:
        return None, None
    position = await repository.queued_ahead(session, analysis.id) + 1
    running = (await repository.count_by_status(session))[RUNNING]
    free = max(0, settings.max_concurrent_jobs - running)
    if position <= free:
        return position, 0
    took = await repository.recent_duration_seconds(session) or settings.default_analysis_seconds
    rounds = math.ceil((position - free) / settings.max_concurrent_jobs)
    return position, math.ceil(rounds * took)


async def describe_analysis(
    *, session: AsyncSession, settings: Settings, analysis: Analysis
) -> AnalysisRead:
    """An analysis as its owner sees it: status, progress, queue place, error, result."""
    position, wait = await _queue_estimate(session, analysis, settings)
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
    *, session: AsyncSession, settings: Settings, owner_id: str, limit: int, cursor: str | None
) -> AnalysisPage:
    """The owner's analyses, newest first."""
    before = None
    if cursor is not None:
        try:
            before = uuid.UUID(decode_cursor(cursor, 1)[0])
        except (TypeError, ValueError) as exc:
            raise ApiError(
                "The cursor is not one this API gave out", code="invalid_cursor"
            ) from exc
    rows = await repository.list_for_owner(session, owner_id, limit=limit + 1, before=before)
    items = [
        await describe_analysis(session=session, settings=settings, analysis=a)
        for a in rows[:limit]
    ]
    next_cursor = encode_cursor(str(rows[limit - 1].id)) if len(rows) > limit else None
    return AnalysisPage(items=items, next_cursor=next_cursor)


async def remove_analysis(
    *, session: AsyncSession, vault: CredentialVault | None, analysis: Analysis
) -> None:
    """Cancel a queued or running analysis (wiping its credentials), or delete a finished one."""
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
    group: str,
    limit: int,
    cursor: str | None,
) -> IgUserPage:
    """One page of mutuals, not_following_back or fans, by username."""
    after = None
    if cursor is not None:
        username, ig_user_id = decode_cursor(cursor, 2)
        after = (str(username), str(ig_user_id))
    rows = await repository.list_group(session, analysis.id, group, limit=limit + 1, after=after)
    items = [_user_read(u, settings) for u in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = encode_cursor(last.username, last.ig_user_id) if last else None
    return IgUserPage(items=items, next_cursor=next_cursor)


async def export_csv(*, session: AsyncSession, settings: Settings, analysis: Analysis) -> str:
    """Every user of all three groups, one row each, with the group it belongs to."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["group", "id", "username", "full_name", "is_private", "is_verified", "pfp_url"]
    )
    for group in GROUPS:
        for user in await repository.list_whole_group(session, analysis.id, group):
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
    *, session: AsyncSession, settings: Settings, owner_id: str, ig_user_id: str
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

    async def only_in(a: Analysis, b: Analysis, direction: str) -> list[IgUserRead]:
        users: Sequence[AnalysisUser] = await repository.users_only_in(
            session, a.id, b.id, direction
        )
        return [_user_read(u, settings) for u in users]

    return AccountChanges(
        analysis_id=current.id,
        previous_analysis_id=previous.id,
        new_followers=await only_in(current, previous, FOLLOWER),
        lost_followers=await only_in(previous, current, FOLLOWER),
        new_following=await only_in(current, previous, FOLLOWED),
        lost_following=await only_in(previous, current, FOLLOWED),
    )


async def queue_status(*, session: AsyncSession, settings: Settings) -> QueueRead:
    """How busy the analysis workers are, across every worker."""
    counts = await repository.count_by_status(session)
    return QueueRead(
        active=counts[RUNNING], max_concurrent=settings.max_concurrent_jobs, queued=counts[QUEUED]
    )
