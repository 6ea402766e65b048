"""The worker's jobs: analysis steps chained through the queue, avatars, housekeeping."""

import functools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from arq import Retry
from arq.connections import ArqRedis
from arq.typing import WorkerCoroutine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import transaction
from common.errors import outage_of
from common.request_id import request_id_var
from igscraper.analyses import repository, service
from igscraper.analyses.jobs import announce, enqueue_avatars, enqueue_step
from igscraper.analyses.models import ACTIVE, AnalysisStatus, Phase
from igscraper.analyses.scan import Outcome, ScanState, run_step
from igscraper.clients.media import MediaClient
from igscraper.config import Settings
from igscraper.credentials.service import CredentialVault
from igscraper.instagram.client import InstagramClient
from igscraper.instagram.exceptions import InstagramUnavailable
from igscraper.instagram.pacing import Pacer

logger = logging.getLogger(__name__)

Periodic = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class WorkerDeps:
    """Made once per worker process in on_startup, kept in ARQ's ctx."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    instagram_http: httpx.AsyncClient
    vault: CredentialVault
    pacer: Pacer
    media: MediaClient


def _deps(ctx: dict[str, Any]) -> tuple[WorkerDeps, ArqRedis]:
    return ctx["deps"], ctx["redis"]


async def run_analysis_step(ctx: dict[str, Any], analysis_id: str, step: int) -> None:
    """Step `step` of an analysis: claim a slot, fetch a few pages, checkpoint, chain on."""
    deps, arq = _deps(ctx)
    key = uuid.UUID(analysis_id)
    async with transaction(deps.sessionmaker) as session:
        analysis = await repository.get_analysis(session, key)
    if analysis is not None:
        # This job's lines carry the id of the request that asked for the analysis (each
        # ARQ job runs in its own task, so the id ends with the job).
        request_id_var.set(analysis.request_id)
    if analysis is None or analysis.status not in ACTIVE:
        await deps.vault.wipe(analysis_id)  # cancelled or deleted meanwhile
        return
    if analysis.step != step:
        # A re-run of a step that already checkpointed (its worker died before ARQ
        # noted the end): make sure the chain goes on, change nothing else.
        if analysis.step > step:
            await enqueue_step(arq, analysis_id, analysis.step)
        return

    if analysis.status is AnalysisStatus.queued:
        async with transaction(deps.sessionmaker) as session:
            granted = await service.claim_slot(
                session=session, analysis_id=key, max_running=deps.settings.max_concurrent_jobs
            )
        if not granted:
            await _save(deps, arq, key, step, ScanState.of(analysis), _wait_for_slot(deps))
            return
        await announce(arq, deps.settings, key)  # now running

    credentials = await deps.vault.load(analysis_id)
    state = ScanState.of(analysis)
    if credentials is None:
        outcome = Outcome(
            finished=True,
            error_code="instagram_session_expired",
            error_message="The session expired from the queue before it could be used",
        )
    else:
        client = InstagramClient(
            deps.instagram_http, credentials, app_id=deps.settings.instagram_app_id
        )
        try:
            outcome = await run_step(state, client=client, pacer=deps.pacer, settings=deps.settings)
        except InstagramUnavailable as exc:
            if ctx["job_try"] < deps.settings.step_max_tries:
                # ARQ runs this same step again later; nothing of it was saved.
                raise Retry(defer=min(60, 2 ** ctx["job_try"])) from exc
            state = ScanState.of(analysis)
            outcome = Outcome(
                finished=True,
                error_code="instagram_unavailable",
                error_message="Instagram did not answer properly; try again later",
            )
    await _save(deps, arq, key, step, state, outcome)


def _wait_for_slot(deps: WorkerDeps) -> Outcome:
    return Outcome(delay=deps.settings.queue_poll_seconds)


async def _save(
    deps: WorkerDeps,
    arq: ArqRedis,
    key: uuid.UUID,
    step: int,
    state: ScanState,
    outcome: Outcome,
) -> None:
    """Checkpoint the step in one transaction, then (after commit) chain or clean up."""
    values: dict[str, Any] = state.checkpoint()
    if outcome.finished:
        values |= {
            "status": AnalysisStatus.completed if outcome.complete else AnalysisStatus.failed,
            "complete": outcome.complete,
            "error_code": outcome.error_code,
            "error_message": outcome.error_message,
            "finished_at": datetime.now(UTC),
        }
    try:
        async with transaction(deps.sessionmaker) as session:
            if not await repository.advance_step(session, key, step, values):
                return  # cancelled, or a duplicate run got here first
            for listed, users in state.new_users.items():
                await repository.add_users(session, key, listed, users)
            await repository.refresh_fetched_counts(session, key)
            if outcome.finished and state.phase is not Phase.resolve:
                await service.store_group_counts(session=session, analysis_id=key)
            if outcome.finished:
                # Before the commit: nobody ever sees a finished job whose cookies remain.
                # Should the commit fail, the re-run step finds them gone and says so.
                await deps.vault.wipe(key)
    except IntegrityError:
        # The target turned out to be an account another active analysis already scans
        # (one was submitted by username, the other as the session's own account).
        async with transaction(deps.sessionmaker) as session:
            analysis = await repository.get_analysis(session, key)
        if analysis is None:
            return
        await _save(
            deps,
            arq,
            key,
            step,
            ScanState.of(analysis),
            Outcome(
                finished=True,
                error_code="analysis_already_active",
                error_message="Another analysis of this Instagram account is in progress",
            ),
        )
        return
    # Also while it waits for a slot: its place in the queue may have moved.
    await announce(arq, deps.settings, key)
    if outcome.finished:
        logger.info(
            "analysis finished",
            extra={"analysis_id": str(key), "error_code": outcome.error_code},
        )
        if outcome.complete:
            await enqueue_avatars(arq, key)
    else:
        await enqueue_step(arq, key, step + 1, defer_seconds=outcome.delay)


async def cache_avatars(ctx: dict[str, Any], analysis_id: str, after: str | None) -> None:
    """Hand one batch of profile pictures to media's cache, then chain the next batch."""
    deps, arq = _deps(ctx)
    async with transaction(deps.sessionmaker) as session:
        analysis = await repository.get_analysis(session, uuid.UUID(analysis_id))
        if analysis is not None:
            request_id_var.set(analysis.request_id)
        batch = await repository.avatar_batch(
            session, uuid.UUID(analysis_id), after=after, limit=deps.settings.avatar_batch_size
        )
    if not batch:
        return
    # Half the job timeout: the rest of the batch goes to the next job, not to a timeout.
    handed, accepted = await deps.media.cache_avatars(
        batch, budget_seconds=deps.settings.step_timeout_seconds / 2
    )
    logger.info("avatars handed to media", extra={"analysis_id": analysis_id, "cached": accepted})
    if handed < len(batch) or len(batch) == deps.settings.avatar_batch_size:
        await enqueue_avatars(arq, analysis_id, after=batch[handed - 1][0])


def quiet_through_outages(job: Periodic) -> WorkerCoroutine:
    """A periodic job that meets a Postgres or Redis outage says so in one line, not ARQ's
    traceback, and leaves the work to its next run."""

    @functools.wraps(job)
    async def run(ctx: dict[str, Any]) -> None:
        try:
            await job(ctx)
        except Exception as exc:
            dependency = outage_of(exc)
            if dependency is None:
                raise
            logger.warning("%s skipped: %s unavailable", job.__name__, dependency)

    return run


@quiet_through_outages
async def resume_stalled_analyses(ctx: dict[str, Any]) -> None:
    """Re-enqueue the current step of analyses nothing has touched for a while (an
    enqueue lost after a commit, a step that ran out of ARQ tries); idempotent by job id."""
    deps, arq = _deps(ctx)
    idle_since = datetime.now(UTC) - timedelta(seconds=deps.settings.stall_seconds)
    async with transaction(deps.sessionmaker) as session:
        stalled = await repository.stalled(session, idle_since=idle_since)
    for analysis_id, step in stalled:
        await enqueue_step(arq, analysis_id, step)


@quiet_through_outages
async def purge_expired_analyses(ctx: dict[str, Any]) -> None:
    """Delete finished analyses (and their users) past the retention period."""
    deps, _ = _deps(ctx)
    cutoff = datetime.now(UTC) - timedelta(days=deps.settings.retention_days)
    started = time.monotonic()
    async with transaction(deps.sessionmaker) as session:
        purged = await repository.purge_finished(session, finished_before=cutoff)
    logger.info(
        "expired analyses purged",
        extra={"purged": purged, "took_s": round(time.monotonic() - started, 3)},
    )
