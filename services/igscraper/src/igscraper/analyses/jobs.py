"""What other processes learn of an analysis through Redis: the worker's jobs (with the
deterministic ids that make a repeat harmless) and announcements of its changes."""

import logging
import uuid

from arq.connections import ArqRedis
from redis.asyncio import Redis
from redis.exceptions import RedisError

from igscraper.config import Settings

logger = logging.getLogger(__name__)


def step_job_id(analysis_id: uuid.UUID | str, step: int) -> str:
    return f"ig:{analysis_id}:step:{step}"


async def enqueue_step(
    arq: ArqRedis, analysis_id: uuid.UUID | str, step: int, *, defer_seconds: float = 0.0
) -> None:
    """Schedule step `step`; a no-op while a job with that id is queued or running."""
    await arq.enqueue_job(
        "run_analysis_step",
        str(analysis_id),
        step,
        _job_id=step_job_id(analysis_id, step),
        _defer_by=defer_seconds or None,
    )


async def enqueue_avatars(
    arq: ArqRedis, analysis_id: uuid.UUID | str, *, after: str | None = None
) -> None:
    await arq.enqueue_job(
        "cache_avatars",
        str(analysis_id),
        after,
        _job_id=f"ig:{analysis_id}:avatars:{after or ''}",
    )


def changes_channel(settings: Settings) -> str:
    return f"{settings.queue_name}:changes"


async def announce(redis: Redis, settings: Settings, analysis_id: uuid.UUID | str) -> None:
    """Tell the streams watching this analysis that it changed; best effort, since they
    also look again on their own within `events_keepalive_seconds`."""
    try:
        await redis.publish(changes_channel(settings), str(analysis_id))
    except RedisError as exc:
        logger.warning("analysis change not announced: %s", type(exc).__name__)


async def remove_jobs(redis: Redis, queue_name: str, analysis_id: uuid.UUID | str) -> None:
    """Take every job of an analysis off the queue, with what ARQ keeps about them (a
    running one finishes on its own and finds the analysis gone)."""
    keys = [key async for key in redis.scan_iter(match=f"arq:*:ig:{analysis_id}:*")]
    job_ids = [key.removeprefix("arq:job:") for key in keys if key.startswith("arq:job:")]
    if job_ids:
        await redis.zrem(queue_name, *job_ids)
    if keys:
        await redis.delete(*keys)
