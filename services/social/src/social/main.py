"""The social service: profiles, posts, reactions, comments, follows and feeds."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from common.app import create_service_app
from common.db import database
from common.redis import redis_client
from common.tokens import token_verification
from fastapi import FastAPI

from social.config import Settings, get_settings

MIGRATIONS = Path(__file__).parent / "migrations"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(database(app, settings.database_url, MIGRATIONS))
        await stack.enter_async_context(redis_client(app, settings.redis_url))
        await stack.enter_async_context(token_verification(app, settings))
        yield


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service="social",
        title="Social",
        settings=settings or get_settings(),
        lifespan=lifespan,
    )
