"""The gateway: the platform's only public entry.

A bare ASGI app on purpose: every request to a service goes straight from the routing
table to the proxy, with no framework routing in between (see bench/gateway.py).
"""

import logging
from typing import Any

import aiohttp
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from common.errors import error_response
from common.health import redis_check
from common.logging import configure_logging
from common.observability import metrics_response
from common.service_layer import ServiceLayer
from common.tokens import TokenVerifier
from gateway import docs
from gateway.config import Settings, get_settings
from gateway.health import platform_health
from gateway.identity import Identity
from gateway.openapi import MergedOpenAPI
from gateway.policy import Policies, Policy
from gateway.proxy import Proxy, client_address, declared_length, payload_too_large
from gateway.ratelimit import RateLimiter
from gateway.routes import RoutingTable
from gateway.webapp import WebApp

logger = logging.getLogger(__name__)

OWN_PATHS = frozenset({"/health", "/__routes", "/metrics", "/openapi.json"}) | docs.PATHS
OWN_METHODS = "GET, HEAD, OPTIONS"
UPSTREAM_KEEPALIVE_SECONDS = 4.0


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
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.table = RoutingTable()
        self.policies = Policies(settings)
        self.limiter = RateLimiter(settings)
        self.webapp = WebApp(settings.web_dir)
        self.session: aiohttp.ClientSession | None = None
        self.proxy: Proxy | None = None
        self.identity: Identity | None = None
        self.openapi: MergedOpenAPI | None = None

    async def startup(self) -> None:
        connector = aiohttp.TCPConnector(
            limit=0,
            limit_per_host=self.settings.max_connections_per_upstream,
            # Under uvicorn's 5 s keep-alive: the gateway drops an idle connection before the
            # service does, never sending a request down one the service is closing (a 502).
            keepalive_timeout=UPSTREAM_KEEPALIVE_SECONDS,
        )
        self.session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(sock_connect=self.settings.connect_timeout_seconds),
            auto_decompress=False,
            # Forward exactly what the caller sent; add no headers of aiohttp's own.
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        self.proxy = Proxy(
            self.session,
            self.settings.upstreams(),
            trusted_proxies=self.settings.trusted_proxies,
            retry_attempts=self.settings.retry_attempts,
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
        if self.identity:
            await self.identity.verifier.aclose()
        if self.session:
            await self.session.close()
        await self.limiter.stop()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        route = self.table.route(scope)
        if route is None:
            response = await self._own(scope)
            await response(scope, receive, send)
            return
        scope["gateway_route"] = route.prefix
        policy = self.policies.for_request(scope["method"], scope["path"])
        refusal = await self._refusal(scope, policy)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        assert self.proxy is not None
        await self.proxy(scope, receive, send, route.service, policy)

    async def _refusal(self, scope: Scope, policy: Policy) -> Response | None:
        """A 413 or 429 decided before a byte of the body is read, or None to proceed."""
        assert self.identity is not None
        length = declared_length(scope)
        if length is not None and length > policy.body_limit:
            return payload_too_large(policy.body_limit)
        user_id = await self.identity.user_id(scope)
        if user_id:
            scope.setdefault("state", {})["user_id"] = user_id
        return await self.limiter.check(
            bucket=policy.bucket,
            client_ip=client_address(scope, self.settings.trusted_proxies),
            user_id=user_id,
        )

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

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    logger.exception("gateway startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(settings: Settings | None = None) -> ASGIApp:
    settings = settings or get_settings()
    configure_logging("gateway", settings.log_level)
    # No body limit or Allow here: the gateway's policies and own paths answer those.
    app = ServiceLayer(Gateway(settings), service="gateway", route_of=metrics_route)
    # Strict: only the frontend, with cookies. Otherwise any origin, never with credentials.
    # Outside the layer, so its 500s carry the CORS headers a browser needs to read them.
    return CORSMiddleware(
        app,
        allow_origins=[settings.frontend_url] if settings.strict_cors else ["*"],
        allow_credentials=settings.strict_cors,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["X-Request-ID", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining"],
    )
