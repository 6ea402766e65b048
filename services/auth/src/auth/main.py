"""The auth service: accounts, tokens and sign-in."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from common.app import create_service_app
from common.db import database
from common.redis import redis_client
from fastapi import FastAPI

from auth.config import Settings, get_settings

MIGRATIONS = Path(__file__).parent / "migrations"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(database(app, settings.database_url, MIGRATIONS))
        await stack.enter_async_context(redis_client(app, settings.redis_url))
        yield


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service="auth",
        title="Auth",
        settings=settings or get_settings(),
        lifespan=lifespan,
    )
