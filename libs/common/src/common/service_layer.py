"""The one ASGI layer around every service (and the gateway's proxy).

Per request, with a single `send` wrapper: the request id (accepted or made, in the context
var, echoed), the access line and the Prometheus metrics, the answer to an exception no
handler took, the `Allow` header of `OPTIONS` and 405 answers, and the body limit. One
layer rather than four because each pure ASGI middleware costs a coroutine, a closure and a
wrapped `send` per request; bench/middleware.py measures the difference.
"""

import logging
import time
from collections.abc import Callable, Iterable

from fastapi.routing import iter_route_contexts
from prometheus_client import Counter, Histogram
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.errors import DependencyUnavailable, error_response, outage_of, shaped_error
from common.observability import (
    LATENCY,
    QUIET_PATHS,
    REQUESTS,
    access_logger,
    route_template,
)
from common.read_routes import ReadRoutes
from common.request_id import HEADER, accept_request_id, request_id_var

logger = logging.getLogger(__name__)

_ID_HEADER = HEADER.encode()
_DISCONNECT: Message = {"type": "http.disconnect"}


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> set[str]:
    """Every method some route serves at this path (Starlette's 405 names only the first)."""
    static: set[str] = set()
    templated: set[str] = set()
    for route in iter_route_contexts(list(routes)):
        regex = getattr(route, "path_regex", None)
        if route.methods and regex is not None and regex.match(scope["path"]):
            (templated if route.param_convertors else static).update(route.methods)
    # /users/me is its own resource, though /users/{user_id} would match it too.
    return static or templated


def _allow(routes: Iterable[BaseRoute], scope: Scope) -> str:
    return ", ".join(sorted(allowed_methods(routes, scope) | {"OPTIONS"}))


def _too_large(scope: Scope, limit: int) -> Response:
    return shaped_error(
        scope["path"], 413, "payload_too_large", f"The request body exceeds {limit} bytes"
    )


class ServiceLayer:
    """`routes`: answer `OPTIONS` with 204 and name every method of the path in a 405's
    `Allow` (FastAPI apps; the gateway answers its own). `max_body_bytes`: a declared body
    over it is a 413 before the app runs, a chunked one is cut off with a 413 once it grows
    past it (the gateway sets limits per route instead). `read_routes`: the GET routes
    answered from here, past the app's own layers (common.read_routes)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        route_of: Callable[[Scope], str] = route_template,
        routes: Iterable[BaseRoute] | None = None,
        max_body_bytes: int | None = None,
        read_routes: ReadRoutes | None = None,
    ) -> None:
        self.app = app
        self.read_routes = read_routes
        self.service = service
        self.route_of = route_of
        self.routes = routes
        self.max_body_bytes = max_body_bytes
        # prometheus_client's labels() takes a lock and builds a key on every call; the
        # children are kept here per label set (bounded: routes are templates).
        self._counters: dict[tuple[str, str, int], Counter] = {}
        self._histograms: dict[tuple[str, str], Histogram] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter()
        incoming_id: str | None = None
        declared: bytes | None = None
        for key, value in scope["headers"]:
            if key == _ID_HEADER:
                incoming_id = value.decode("latin-1")
            elif key == b"content-length":
                declared = value
        request_id = accept_request_id(incoming_id)
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        id_header = (_ID_HEADER, request_id.encode())
        status = 500
        response_started = False
        # Set once a chunked body passed the limit and the 413 went out: what the app
        # answers to the body it never got in full is dropped.
        body_refused = False
        received = 0
        limit = self.max_body_bytes

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if body_refused:
                return
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != _ID_HEADER]
                if status == 405 and self.routes is not None:
                    headers = [(k, v) for k, v in headers if k.lower() != b"allow"]
                    headers.append((b"allow", _allow(self.routes, scope).encode()))
                headers.append(id_header)
                message["headers"] = headers
            await send(message)

        async def receive_within_limit() -> Message:
            nonlocal received, body_refused
            if body_refused:
                return _DISCONNECT
            message = await receive()
            if message["type"] == "http.request" and limit is not None:
                received += len(message.get("body", b""))
                if received > limit:
                    if not response_started:
                        await _too_large(scope, limit)(scope, receive, send_wrapper)
                    body_refused = True
                    # The app sees a caller gone, and stops reading.
                    return _DISCONNECT
            return message

        try:
            if limit is not None and declared is not None and _over(declared, limit):
                await _too_large(scope, limit)(scope, receive, send_wrapper)
            elif scope["method"] == "OPTIONS" and (allow := self._options_allow(scope)):
                await Response(status_code=204, headers={"Allow": allow})(
                    scope, receive, send_wrapper
                )
            else:
                # A declared length is enforced by the server itself; only a chunked body
                # needs counting.
                counted = limit is not None and declared is None
                app = (self.read_routes and self.read_routes.app_for(scope)) or self.app
                await app(scope, receive_within_limit if counted else receive, send_wrapper)
        except Exception as exc:
            if not body_refused:
                await self._answer_error(exc, scope, receive, send_wrapper, response_started)
        finally:
            self.observe(scope, status, time.perf_counter() - started_at)
            request_id_var.reset(token)

    def _options_allow(self, scope: Scope) -> str | None:
        """The `Allow` to answer an `OPTIONS` with, or None to leave it to the app (a path
        no route serves, or a route of its own for `OPTIONS`)."""
        if self.routes is None:
            return None
        methods = allowed_methods(self.routes, scope)
        if not methods or "OPTIONS" in methods:
            return None
        return ", ".join(sorted(methods | {"OPTIONS"}))

    async def _answer_error(
        self, exc: Exception, scope: Scope, receive: Receive, send: Send, started: bool
    ) -> None:
        """A known outage becomes its 503, quietly (the access line names it: one line per
        request, however long the outage); anything else the 500, its traceback logged,
        never sent. Inside the request id, so the answer still carries it."""
        dependency = outage_of(exc)
        if dependency is None:
            logger.exception("unhandled error")
        if started:
            raise exc
        if dependency is None:
            response = error_response(500, "internal_error", "Internal server error")
        else:
            error = DependencyUnavailable(dependency)
            scope.setdefault("state", {})["error_code"] = error.code
            response = error_response(error.status, error.code, error.message, error.headers)
        await response(scope, receive, send)

    def observe(self, scope: Scope, status: int, elapsed: float) -> None:
        """Count one answered request and write its access line (also called by the
        gateway for the requests its protocol path serves without ASGI)."""
        method, route = scope["method"], self.route_of(scope)
        counter = self._counters.get((method, route, status))
        if counter is None:
            counter = REQUESTS.labels(self.service, method, route, str(status))
            self._counters[(method, route, status)] = counter
        counter.inc()
        histogram = self._histograms.get((method, route))
        if histogram is None:
            histogram = LATENCY.labels(self.service, method, route)
            self._histograms[(method, route)] = histogram
        histogram.observe(elapsed)
        if scope["path"] in QUIET_PATHS or not access_logger.isEnabledFor(logging.INFO):
            return  # (the line's fields are not even built when it would be dropped)
        state = scope.get("state", {})
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
                "user_id": state.get("user_id"),
                # Why a 5xx happened (`postgres_unavailable`), so an outage costs this one
                # line per request and no traceback.
                "error_code": state.get("error_code"),
            },
        )


def _over(declared: bytes, limit: int) -> bool:
    # A malformed Content-Length never gets here: the server refuses it with a 400.
    try:
        return int(declared) > limit
    except ValueError:
        return False
