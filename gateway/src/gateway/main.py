"""The gateway: the platform's only public entry.

`python -m gateway` (gateway/server.py) serves it: requests for a service's route go from
the routing table (routes.py) and its policies (policy.py) straight to the proxy
(proxy.py), as bytes on asyncio protocols; the gateway's own paths (/health, /metrics,
/openapi.json, the docs, /__routes, the web app) and CORS preflights go through ASGI
(bridge.py) to `Gateway.own`, wrapped in the same service layer and CORS as any service.
"""

import logging
import time
from typing import TYPE_CHECKING, Any

import aiohttp
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from common.errors import error_response
from common.health import redis_check
from common.logging import configure_logging
from common.observability import metrics_response
from common.request_id import request_id_var
from common.service_layer import ServiceLayer
from common.tokens import TokenVerifier
from gateway import docs
from gateway.balancer import Replica, ReplicaSet, parse_urls
from gateway.config import Settings, get_settings
from gateway.cors import CorsHeaders, cors_middleware
from gateway.health import platform_health
from gateway.identity import Identity
from gateway.openapi import MergedOpenAPI
from gateway.policy import Policies
from gateway.proxy import UPSTREAM_KEEPALIVE_SECONDS, Pool
from gateway.ratelimit import RateLimiter
from gateway.routes import RoutingTable
from gateway.webapp import WebApp

if TYPE_CHECKING:
    from gateway.http11 import Exchange

logger = logging.getLogger(__name__)

OWN_PATHS = frozenset({"/health", "/__routes", "/metrics", "/openapi.json"}) | docs.PATHS
OWN_METHODS = "GET, HEAD, OPTIONS"


def metrics_route(scope: Scope) -> str:
    """Metrics label: the routing-table prefix a request went to, or the gateway's own path."""
    route: str | None = scope.get("gateway_route")
    if route:
        return route
    path: str = scope["path"]
    if path in OWN_PATHS:
        return path
    return "web" if scope["method"] in ("GET", "HEAD") else "unmatched"


class Gateway:
    """What the gateway knows and holds: its tables, limiter, identity, upstream pools,
    and the ASGI app of its own paths."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.table = RoutingTable()
        self.policies = Policies(settings)
        self.limiter = RateLimiter(settings)
        self.webapp = WebApp(settings.web_dir)
        self.trusted_proxies = settings.trusted_proxies
        self.replicas = {
            name: ReplicaSet(parse_urls(urls)) for name, urls in settings.upstreams().items()
        }
        self.pools: dict[Replica, Pool] = {
            replica: Pool(replica, settings.max_connections_per_upstream)
            for replicas in self.replicas.values()
            for replica in replicas.replicas
        }
        # No body limit or Allow here: the gateway's policies and own paths answer those.
        self.layer = ServiceLayer(self.own, service="gateway", route_of=metrics_route)
        # Outside the layer, so its 500s carry the CORS headers a browser needs to read them.
        middleware = cors_middleware(self.layer, settings)
        self.app: ASGIApp = middleware
        self.cors = CorsHeaders(middleware)
        self.session: aiohttp.ClientSession | None = None  # /health and /openapi.json
        self.identity: Identity | None = None
        self.openapi: MergedOpenAPI | None = None

    async def startup(self) -> None:
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=UPSTREAM_KEEPALIVE_SECONDS)
        self.session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(sock_connect=self.settings.connect_timeout_seconds),
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        self.limiter.start()
        self.identity = Identity(
            TokenVerifier(
                jwks_url=self.settings.jwks_url,
                issuer=self.settings.token_issuer,
                audience=self.settings.token_audience,
            )
        )
        self.openapi = MergedOpenAPI(self.session, self.settings.upstreams())

    async def shutdown(self) -> None:
        for pool in self.pools.values():
            pool.close()
        if self.identity:
            await self.identity.verifier.aclose()
        if self.session:
            await self.session.close()
        await self.limiter.stop()

    def observe(self, exchange: "Exchange") -> None:
        """A proxied request's metrics and access line, as the service layer writes them."""
        elapsed = time.perf_counter() - exchange.started_at
        token = request_id_var.set(exchange.request_id)  # for the access line
        try:
            self.layer.observe(exchange.scope, exchange.status, elapsed)
        finally:
            request_id_var.reset(token)

    async def own(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The gateway's own paths, and the web app at every other path."""
        response = await self._own(scope)
        await response(scope, receive, send)

    async def _own(self, scope: Scope) -> Response:
        path, method = scope["path"], scope["method"]
        if path not in OWN_PATHS:
            if method in ("GET", "HEAD"):
                return await self.webapp.response(scope)
            return error_response(404, "route_not_found", f"No route for {method} {path}")
        if method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": OWN_METHODS})
        if method not in ("GET", "HEAD"):
            return error_response(
                405, "method_not_allowed", "Method Not Allowed", {"Allow": OWN_METHODS}
            )
        if path == "/health":
            return await self._health()
        if path == "/metrics":
            return metrics_response()
        if path == "/openapi.json":
            assert self.openapi is not None
            return JSONResponse(await self.openapi.document())
        if path in docs.PATHS:
            return docs.docs_response(path)
        return JSONResponse({"routes": self._routes()})

    async def _health(self) -> Response:
        assert self.session is not None
        ok, report = await platform_health(
            self.session,
            self.settings.upstreams(),
            {"redis": redis_check(self.limiter.redis)},
            self.settings.health_timeout_seconds,
        )
        report["rate_limits"] = {"status": self.limiter.status}
        return JSONResponse(report, status_code=200 if ok else 503)

    def _routes(self) -> list[dict[str, Any]]:
        upstreams = self.settings.upstreams()
        return [
            {"prefix": r.prefix, "service": r.service, "upstream": upstreams[r.service]}
            for r in self.table.routes
        ]


def create_gateway(settings: Settings | None = None) -> Gateway:
    settings = settings or get_settings()
    configure_logging("gateway", settings.log_level)
    return Gateway(settings)
