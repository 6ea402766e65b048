"""The short way in for the most frequent reads: a GET route marked `@read_route` is
answered from the service's one ASGI layer (common.service_layer), past FastAPI's own
middleware, routing and dependency solver.

Those cost a feed page about a fifth of the service's CPU (bench/feed_cost.py), where the
page itself is one statement and its JSON (common.reads). The route is still declared once,
with FastAPI: its path, dependencies and response model make the OpenAPI document and serve
every other method. The short way runs that declaration's own dependency functions, in
FastAPI's order and with its caching, validates the same parameters with FastAPI's own
`request_params_to_args` (a bad `limit` is the same 422), and hands an exception to the
handlers the app installed. What it does not do (headers, cookies, bodies, `yield` or
blocking dependencies, security scopes) a marked route may not use: `ReadRoutes.of` refuses
it when the app is built, not on a request.
"""

import inspect
import re
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import RouteContext, iter_route_contexts
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

_MARK = "__read_route__"


def read_route(endpoint: Endpoint) -> Endpoint:
    """Marks a GET endpoint to be answered the short way (under its `@router.get`)."""
    setattr(endpoint, _MARK, True)
    return endpoint


def _refuse(dependant: Dependant, path: str) -> None:
    """A marked route may only use what `_solve` does."""
    call = dependant.call
    assert call is not None
    unsupported = {
        "header parameters": dependant.header_params,
        "cookie parameters": dependant.cookie_params,
        "a body": dependant.body_params,
        "a websocket": dependant.websocket_param_name,
        "background tasks": dependant.background_tasks_param_name,
        "the response": dependant.response_param_name,
        "security scopes": dependant.security_scopes_param_name or dependant.own_oauth_scopes,
        "a concurrency limit": dependant.concurrency,
    }
    for what, used in unsupported.items():
        if used:
            raise TypeError(f"{path}: a read route's {call!r} takes {what}")
    function = call if inspect.isfunction(call) else getattr(call, "__call__", None)  # noqa: B004
    if not inspect.iscoroutinefunction(function):
        # A generator (`yield`) or a blocking function, which FastAPI runs in its exit stack
        # or a thread.
        raise TypeError(f"{path}: a read route's {call!r} is not a coroutine function")
    for sub in dependant.dependencies:
        _refuse(sub, path)


async def _solve(
    dependant: Dependant, request: Request, solved: dict[Any, Any]
) -> tuple[dict[str, Any], list[Any]]:
    """`dependant`'s arguments, as FastAPI's solve_dependencies finds them: each dependency
    solved first, in order, once a request (`solved`); one with invalid parameters is not
    called and its errors are gathered with the rest."""
    values: dict[str, Any] = {}
    errors: list[Any] = []
    for sub in dependant.dependencies:
        sub_values, sub_errors = await _solve(sub, request, solved)
        if sub_errors:
            errors += sub_errors
            continue
        if sub.use_cache and sub.call in solved:
            value = solved[sub.call]
        else:
            assert sub.call is not None
            value = await sub.call(**sub_values)
            solved.setdefault(sub.call, value)
        if sub.name is not None:
            values[sub.name] = value
    if dependant.path_params:
        found, wrong = request_params_to_args(dependant.path_params, request.path_params)
        values.update(found)
        errors += wrong
    if dependant.query_params:
        found, wrong = request_params_to_args(dependant.query_params, request.query_params)
        values.update(found)
        errors += wrong
    for name in (dependant.request_param_name, dependant.http_connection_param_name):
        if name:
            values[name] = request
    return values, errors


class _Route:
    """A marked route: its dependencies solved and its endpoint called, an exception handed
    to the app's handlers by Starlette's own ExceptionMiddleware, as FastAPI does."""

    def __init__(self, route: RouteContext, app: FastAPI) -> None:
        self.route = route
        self.dependant: Dependant = route.dependant
        # As Starlette builds it: 500 and Exception are the outermost layer's, not these.
        handlers = {
            kind: handler
            for kind, handler in app.exception_handlers.items()
            if kind not in (500, Exception)
        }
        self.answer: ASGIApp = ExceptionMiddleware(self._answer, handlers=handlers)

    def params(self, found: "re.Match[str]") -> dict[str, Any]:
        convertors = self.route.param_convertors
        return {name: convertors[name].convert(value) for name, value in found.groupdict().items()}

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        values, errors = await _solve(self.dependant, request, {})
        if errors:
            raise RequestValidationError(errors)
        assert self.dependant.call is not None
        response = await self.dependant.call(**values)
        assert isinstance(response, Response), "a read route writes its own body"
        await response(scope, receive, send)


class ReadRoutes:
    """The app's GET routes up to its last marked one, tried in the app's own order: a path
    an earlier, unmarked route matches goes FastAPI's way, as it would have without them."""

    def __init__(self, routes: list[tuple["re.Pattern[str]", _Route | None]]) -> None:
        self._routes = routes

    @classmethod
    def of(cls, app: FastAPI) -> "ReadRoutes":
        """The marked routes of `app` (all its routes included), their dependencies checked."""
        routes: list[tuple[re.Pattern[str] | None, _Route | None]] = []
        for route in iter_route_contexts(app.router.routes):
            methods, regex = route.methods, getattr(route, "path_regex", None)
            if not getattr(route.endpoint, _MARK, False):
                if methods is None or "GET" in methods:
                    routes.append((regex, None))
                continue
            if methods != {"GET"}:
                raise TypeError(f"{route.path}: a read route answers GET only")
            _refuse(route.dependant, str(route.path))
            routes.append((regex, _Route(route, app)))
        while routes and routes[-1][1] is None:
            routes.pop()
        checked = [(regex, route) for regex, route in routes if regex is not None]
        if len(checked) < len(routes):
            raise TypeError("a mount or websocket route goes after the read routes")
        return cls(checked)

    def app_for(self, scope: Scope) -> ASGIApp | None:
        """What answers this request the short way, if it is a marked route's GET; the
        scope then carries the route and its path parameters as FastAPI's routing sets
        them (the metrics and access line name the route)."""
        if scope["method"] != "GET":
            return None
        path = scope["path"]
        for regex, route in self._routes:
            found = regex.match(path)
            if found is None:
                continue
            if route is None:
                return None
            scope["route"] = route.route
            scope["endpoint"] = route.route.endpoint
            scope["path_params"] = route.params(found)
            return route.answer
        return None
