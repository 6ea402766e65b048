"""The app factory every service builds on: one error shape, request ids, logs, health;
and the opening every service's lifespan shares."""

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI

from common.db import database
from common.errors import install_error_handlers
from common.health import health_router
from common.logging import configure_logging
from common.observability import metrics_router
from common.openapi import document_errors
from common.read_routes import ReadRoutes
from common.redis import redis_client
from common.service_layer import ServiceLayer
from common.settings import ServiceSettings


def create_service_app(
    *,
    service: str,
    title: str,
    settings: ServiceSettings,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[Any]],
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    configure_logging(service, settings.log_level)
    app = FastAPI(title=title, lifespan=lifespan)
    app.state.settings = settings
    app.state.health_checks = {}
    install_error_handlers(app)
    document_errors(app)
    app.include_router(health_router(service))
    app.include_router(metrics_router())
    for router in routers:
        app.include_router(router)
    app.add_middleware(
        ServiceLayer,
        service=service,
        routes=app.router.routes,
        max_body_bytes=settings.max_body_bytes,
        read_routes=ReadRoutes.of(app),
    )
    return app


class StoreSettings(Protocol):
    """What `service_stack` reads of a service's settings."""

    @property
    def database_url(self) -> str: ...
    @property
    def redis_url(self) -> str: ...
    @property
    def migrate_on_start(self) -> bool: ...
    @property
    def database_pool_size(self) -> int: ...


@asynccontextmanager
async def service_stack(
    app: FastAPI, settings: StoreSettings, migrations_dir: Path
) -> AsyncIterator[AsyncExitStack]:
    """A lifespan's opening: the service's database migrated (or waited for) on
    `app.state.engine`/`sessionmaker`, one Redis client on `app.state.redis`, and the stack
    the service enters its own parts on; all closed in reverse order."""
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(
            database(
                app,
                settings.database_url,
                migrations_dir,
                migrate_on_start=settings.migrate_on_start,
                pool_size=settings.database_pool_size,
            )
        )
        await stack.enter_async_context(redis_client(app, settings.redis_url))
        yield stack
