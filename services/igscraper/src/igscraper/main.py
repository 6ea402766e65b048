"""The igscraper service: Instagram follower analyses: the HTTP API."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from common.app import create_service_app
from common.db import database
from common.redis import redis_client
from common.tokens import token_verification
from fastapi import FastAPI

from igscraper.config import Settings, get_settings
from igscraper.workers import worker_heartbeat_check

MIGRATIONS = Path(__file__).parent / "migrations"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(database(app, settings.database_url, MIGRATIONS))
        redis = await stack.enter_async_context(redis_client(app, settings.redis_url))
        app.state.health_checks["worker"] = worker_heartbeat_check(redis, settings.queue_name)
        await stack.enter_async_context(token_verification(app, settings))
        yield


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service="igscraper",
        title="Instagram analyses",
        settings=settings or get_settings(),
        lifespan=lifespan,
    )
