"""The federation service: ActivityPub actors, documents, inbox and delivery."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from common.app import create_service_app, service_stack
from federation.config import Settings, get_settings
from federation.database import MIGRATIONS


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    async with service_stack(app, settings, MIGRATIONS):
        yield


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service="federation",
        title="Federation",
        settings=settings or get_settings(),
        lifespan=lifespan,
    )
