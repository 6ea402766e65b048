"""Access log lines and Prometheus metrics for every HTTP request, and GET /metrics.

Labels use the route template (`/posts/{post_id}`), never the raw path, so metrics stay
bounded and no id or token ends up in a label or a log line.
"""

import logging
import time
from collections.abc import Callable

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter(
    "http_requests_total", "HTTP requests served", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to serve an HTTP request",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
# Polled constantly by orchestrators and scrapers: counted, not logged.
QUIET_PATHS = frozenset({"/health", "/metrics"})

access_logger = logging.getLogger("access")


def route_template(scope: Scope) -> str:
    """FastAPI puts the matched route in the scope; anything unmatched shares one label."""
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class ObservabilityMiddleware:
    def __init__(
        self, app: ASGIApp, service: str, route_of: Callable[[Scope], str] = route_template
    ) -> None:
        self.app = app
        self.service = service
        self.route_of = route_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observing_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            elapsed = time.perf_counter() - started
            method, route = scope["method"], self.route_of(scope)
            REQUESTS.labels(self.service, method, route, str(status)).inc()
            LATENCY.labels(self.service, method, route).observe(elapsed)
            if scope["path"] not in QUIET_PATHS:
                access_logger.info(
                    "%s %s %s",
                    method,
                    route,
                    status,
                    extra={
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                        "user_id": scope.get("state", {}).get("user_id"),
                        # Why a 5xx happened (`postgres_unavailable`), so an outage costs
                        # this one line per request and no traceback.
                        "error_code": scope.get("state", {}).get("error_code"),
                    },
                )


def metrics_response() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def metrics_router() -> APIRouter:
    router = APIRouter(tags=["metrics"])
    router.add_api_route("/metrics", metrics_response, include_in_schema=False)
    return router
