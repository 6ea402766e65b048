"""The API's view of the worker pool (igscraper.worker): its heartbeat in Redis."""

from arq.constants import health_check_key_suffix
from redis.asyncio import Redis

from common.health import Check


def worker_heartbeat_check(redis: Redis, queue_name: str) -> Check:
    async def check() -> None:
        if not await redis.exists(queue_name + health_check_key_suffix):
            raise RuntimeError("no worker heartbeat")

    return check
