"""Enqueueing the worker's jobs, with the deterministic ids that make a repeat harmless."""

import uuid

from arq.connections import ArqRedis


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
