"""The igscraper ARQ worker:

arq igscraper.worker.WorkerSettings --custom-log-dict igscraper.worker.log_config
"""

from typing import Any

from arq.connections import RedisSettings
from common.logging import logging_config

from igscraper.config import get_settings

settings = get_settings()
log_config = logging_config("igscraper-worker", settings.log_level)


async def ping(ctx: dict[str, Any]) -> str:
    """Round trip through the queue: proves a worker is consuming, not just alive."""
    return "pong"


class WorkerSettings:
    functions = (ping,)
    queue_name = settings.queue_name
    redis_settings = RedisSettings.from_dsn(settings.redis_url)
    health_check_interval = settings.worker_heartbeat_seconds
