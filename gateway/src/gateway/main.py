"""The gateway: the platform's only public entry.

A bare ASGI app on purpose: every request to a service goes straight from the routing
table to the proxy, with no framework routing in between (see bench/gateway.py).
"""

import logging
from typing import Any

import aiohttp
from common.errors import UnhandledErrorMiddleware, error_response
from common.health import redis_check
from common.logging import configure_logging
from common.request_id import RequestIdMiddleware
from redis.asyncio import Redis
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.config import Settings, get_settings
from gateway.health import platform_health
from gateway.proxy import Proxy
from gateway.routes import RoutingTable

logger = logging.getLogger(__name__)


class Gateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.table = RoutingTable()
        self.session: aiohttp.ClientSession | None = None
        self.proxy: Proxy | None = None
        self.redis: Redis | None = None

    async def startup(self) -> None:
        connector = aiohttp.TCPConnector(
            limit=0,
            limit_per_host=self.settings.max_connections_per_upstream,
            keepalive_timeout=60,
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
            self.settings.upstream_timeout_seconds,
            self.settings.trusted_proxies,
        )
        self.redis = Redis.from_url(self.settings.redis_url)

    async def shutdown(self) -> None:
        if self.session:
            await self.session.close()
        if self.redis:
            await self.redis.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        route = self.table.match(scope["path"])
        if route is not None:
            assert self.proxy is not None
            await self.proxy(scope, receive, send, route.service)
            return
        response = await self._own(scope)
        await response(scope, receive, send)

    async def _own(self, scope: Scope) -> Response:
        path, method = scope["path"], scope["method"]
        if path == "/health" and method in ("GET", "HEAD"):
            return await self._health()
        if path == "/__routes" and method == "GET":
            return JSONResponse({"routes": self._routes()})
        return error_response(404, "route_not_found", f"No route for {path}")

    async def _health(self) -> Response:
        assert self.session is not None and self.redis is not None
        ok, report = await platform_health(
            self.session,
            self.settings.upstreams(),
            {"redis": redis_check(self.redis)},
            self.settings.health_timeout_seconds,
        )
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
    app: ASGIApp = UnhandledErrorMiddleware(Gateway(settings))
    if settings.strict_cors:
        app = CORSMiddleware(
            app,
            allow_origins=[settings.frontend_url],
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    else:
        app = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    return RequestIdMiddleware(app)
