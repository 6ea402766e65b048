"""The igscraper service: Instagram follower analyses: the HTTP API."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from arq.connections import ArqRedis
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.asyncio import ConnectionPool

from common.app import create_service_app, service_stack
from common.errors import error_body
from common.tokens import token_verification
from igscraper.accounts.consumer import user_events
from igscraper.analyses.events import analysis_changes
from igscraper.analyses.exceptions import AnalysisAlreadyActive
from igscraper.analyses.router import router as analyses_router
from igscraper.config import Settings, get_settings
from igscraper.credentials.service import vault_from_settings
from igscraper.database import MIGRATIONS
from igscraper.heartbeat import worker_heartbeat_check


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    async with service_stack(app, settings, MIGRATIONS) as stack:
        redis = app.state.redis
        app.state.health_checks["worker"] = worker_heartbeat_check(redis, settings.queue_name)
        app.state.vault = vault_from_settings(redis, settings)
        await stack.enter_async_context(analysis_changes(app, redis, settings))
        # Connects on first use (unlike arq.create_pool): the API starts, and says so in
        # /health, while Redis is down.
        app.state.arq = ArqRedis(
            ConnectionPool.from_url(settings.redis_url), default_queue_name=settings.queue_name
        )
        stack.push_async_callback(app.state.arq.aclose, close_connection_pool=True)
        await stack.enter_async_context(token_verification(app, settings))
        await stack.enter_async_context(user_events(app, settings))
        yield


async def _already_active(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AnalysisAlreadyActive)
    body = error_body(exc.code, exc.message, job_id=exc.job_id)
    # Also at the top level, where clients of the original API look for it.
    return JSONResponse({**body, "job_id": exc.job_id}, status_code=exc.status)


def create_app(settings: Settings | None = None) -> FastAPI:
    app = create_service_app(
        service="igscraper",
        title="Instagram analyses",
        settings=settings or get_settings(),
        lifespan=lifespan,
        routers=[analyses_router],
    )
    app.add_exception_handler(AnalysisAlreadyActive, _already_active)
    return app
