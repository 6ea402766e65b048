"""The igscraper ARQ worker (the API's side of it is igscraper.heartbeat):

python -m igscraper.worker
"""

import asyncio
import logging.config
import signal
from typing import Any

import arq.worker
import httpx
from arq import cron, func
from arq.connections import RedisSettings

from common.db import create_engine, create_sessionmaker, prepare_database
from common.logging import logging_config
from common.loops import Outage
from common.request_id import REQUEST_ID_HOOKS
from igscraper.analyses.tasks import (
    WorkerDeps,
    cache_avatars,
    purge_expired_analyses,
    resume_stalled_analyses,
    run_analysis_step,
)
from igscraper.clients.media import MediaClient
from igscraper.config import Settings, get_settings
from igscraper.credentials.service import vault_from_settings
from igscraper.database import MIGRATIONS
from igscraper.instagram.pacing import Pacer

settings = get_settings()
log_config = logging_config("igscraper-worker", settings.log_level)


async def ping(ctx: dict[str, Any]) -> str:
    """Round trip through the queue: proves a worker is consuming, not just alive."""
    return "pong"


async def startup(ctx: dict[str, Any]) -> None:
    """Clients live as long as the worker; every job finds them in ctx["deps"]."""
    settings: Settings = ctx["settings"]
    # The crons run right after this (one at startup): on a fresh volume the database may
    # not exist yet, so the worker migrates it as the API does (idempotent, under a lock),
    # or waits for the migration Job.
    await prepare_database(
        settings.database_url, MIGRATIONS, migrate_on_start=settings.migrate_on_start
    )
    vault = vault_from_settings(ctx["redis"], settings)
    if vault is None:
        raise RuntimeError("IGSCRAPER_CREDENTIALS_KEY must be set for the worker")
    engine = create_engine(settings.database_url, pool_size=5)
    timeout = httpx.Timeout(settings.instagram_timeout_seconds)
    ctx["engine"] = engine
    ctx["deps"] = WorkerDeps(
        settings=settings,
        sessionmaker=create_sessionmaker(engine),
        # Redirects are answers here: a 302 to /accounts/login/ means the session is dead.
        instagram_http=httpx.AsyncClient(
            base_url=settings.instagram_base_url, timeout=timeout, follow_redirects=False
        ),
        vault=vault,
        pacer=Pacer(
            ctx["redis"],
            prefix=settings.queue_name,
            min_interval_seconds=settings.min_request_interval_seconds,
            jitter_ratio=settings.request_jitter_ratio,
            budget=settings.request_budget,
            window_seconds=settings.request_window_seconds,
        ),
        media=MediaClient(
            httpx.AsyncClient(
                base_url=settings.media_url,
                # Within a step's budget; connections reused, never more than the chunk.
                timeout=settings.step_timeout_seconds / 4,
                limits=httpx.Limits(
                    max_connections=settings.avatar_concurrency,
                    max_keepalive_connections=settings.avatar_concurrency,
                ),
                event_hooks=REQUEST_ID_HOOKS,
            ),
            internal_token=settings.internal_token,
            concurrency=settings.avatar_concurrency,
        ),
    )


async def shutdown(ctx: dict[str, Any]) -> None:
    deps: WorkerDeps | None = ctx.get("deps")
    if deps is not None:
        await deps.instagram_http.aclose()
        await deps.media.http.aclose()
    if "engine" in ctx:
        await ctx["engine"].dispose()


def worker_options(settings: Settings) -> dict[str, Any]:
    """Everything ARQ needs, for the CLI's WorkerSettings and for in-process test workers."""
    # keep_result=0: a finished step leaves nothing behind, so the next enqueue of the
    # same id (the stall sweeper) is never mistaken for a duplicate.
    timeout = settings.step_timeout_seconds
    return {
        "functions": [
            func(ping),
            func(
                run_analysis_step,
                max_tries=settings.step_max_tries,
                keep_result=0,
                timeout=timeout,
            ),
            func(cache_avatars, max_tries=3, keep_result=0, timeout=timeout),
        ],
        "cron_jobs": [
            cron(resume_stalled_analyses, second={0}, run_at_startup=True),
            cron(purge_expired_analyses, minute={17}, second={0}),
        ],
        "queue_name": settings.queue_name,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "health_check_interval": settings.worker_heartbeat_seconds,
        "poll_delay": settings.worker_poll_delay_seconds,
        # A SIGKILLed step is picked up again once its in-progress key (job timeout + 10 s)
        # lapses, so the job timeout is kept short.
        "job_timeout": settings.step_timeout_seconds,
        "on_startup": startup,
        "on_shutdown": shutdown,
        "ctx": {"settings": settings},
    }


class Worker(arq.worker.Worker):
    """ARQ's worker, kept up through a Redis outage (ARQ's own would exit on the first
    failed poll): a failed poll is an outage under the common loop policy (one line, back
    off), and polling resumes once Redis is back. A job that could not record its end is
    picked up again when its in-progress key lapses; steps are idempotent."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.redis_outage = Outage("worker's Redis connection")

    async def _poll_iteration(self) -> None:
        await self.redis_outage.attempt(super()._poll_iteration)

    async def close(self) -> None:
        """ARQ's close, once the jobs it cancels have ended. ARQ gathers them without
        return_exceptions: a job cancelled before its own handler runs (still reading its
        definition from Redis) raised CancelledError out of close(), so on_shutdown never
        closed the clients (the worker test saw it, once in 20 runs)."""
        if not self._handle_signals:
            self.handle_sig(signal.SIGUSR1)
            self._handle_signals = True  # cancelled once: ARQ's close must not again
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        self.tasks.clear()
        await super().close()


# ARQ takes a dict as well as a class: `arq --check igscraper.worker.WorkerSettings`.
WorkerSettings = worker_options(settings)


def main() -> None:
    logging.config.dictConfig(log_config)
    Worker(**worker_options(settings)).run()


if __name__ == "__main__":
    main()
