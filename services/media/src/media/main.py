"""The media service: images in S3, thumbnails, EXIF, quotas, avatar cache and AI images."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from common.app import create_service_app
from common.db import database
from common.tokens import token_verification
from fastapi import FastAPI

from media.config import Settings, get_settings
from media.storage import object_storage

MIGRATIONS = Path(__file__).parent / "migrations"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(database(app, settings.database_url, MIGRATIONS))
        await stack.enter_async_context(token_verification(app, settings))
        await stack.enter_async_context(object_storage(app, settings))
        yield


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service="media",
        title="Media",
        settings=settings or get_settings(),
        lifespan=lifespan,
    )
