"""The access log and the Prometheus metrics every request is counted in (by
common.service_layer), and GET /metrics.

Labels use the route template (`/posts/{post_id}`), never the raw path, so metrics stay
bounded and no id or token ends up in a label or a log line.
"""

import logging

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.responses import Response
from starlette.types import Scope

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


def metrics_response() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def metrics_router() -> APIRouter:
    router = APIRouter(tags=["metrics"])
    router.add_api_route("/metrics", metrics_response, include_in_schema=False)
    return router
