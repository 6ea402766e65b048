"""The app factory every service builds on: one error shape, request ids, logs, health."""

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import APIRouter, FastAPI

from common.errors import UnhandledErrorMiddleware, install_error_handlers
from common.health import health_router
from common.logging import configure_logging
from common.observability import ObservabilityMiddleware, metrics_router
from common.openapi import AllowHeaderMiddleware, document_errors
from common.request_id import RequestIdMiddleware
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
    # Added last = outermost: the request id exists before anything else runs.
    app.add_middleware(AllowHeaderMiddleware, routes=app.router.routes)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(ObservabilityMiddleware, service=service)
    app.add_middleware(RequestIdMiddleware)
    app.include_router(health_router(service))
    app.include_router(metrics_router())
    for router in routers:
        app.include_router(router)
    return app
