"""One error shape for every service: {"error": {"code", "message", "request_id"}}."""

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from common.request_id import request_id_var


def default_code(status: int) -> str:
    """`404` → `not_found`: a stable machine-readable code when the raiser gave none."""
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "error": {"code": code, "message": message, "request_id": request_id_var.get(), **extra}
    }


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(error_body(code, message, **extra), status_code=status, headers=headers)


class ApiError(Exception):
    """Raise from anywhere in a request; becomes the JSON error with this status and code."""

    status: int = 400
    code: str = "bad_request"
    message: str = "Bad request"

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.status = status or self.status
        self.code = code or self.code
        self.message = message or self.message
        self.headers = headers
        self.extra = extra
        super().__init__(self.message)


class NotFound(ApiError):
    status, code, message = 404, "not_found", "Not found"


class Forbidden(ApiError):
    status, code, message = 403, "forbidden", "Forbidden"


class Unauthorized(ApiError):
    status, code, message = 401, "unauthorized", "Not authenticated"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kwargs)


class Conflict(ApiError):
    status, code, message = 409, "conflict", "Conflict"


# How long a client should wait before trying again after an outage answer: restarts of
# Postgres, Redis or a service take seconds, not minutes.
RETRY_AFTER_SECONDS = 5


class DependencyUnavailable(ApiError):
    """A dependency (Postgres, Redis, S3, another service) is down or not answering: 503
    with a code naming it (`postgres_unavailable`) and Retry-After."""

    status = 503

    def __init__(self, dependency: str, message: str | None = None) -> None:
        self.dependency = dependency
        super().__init__(
            message or f"The {dependency} dependency is unavailable; try again shortly",
            code=f"{dependency}_unavailable",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


# Exceptions a client library raises when its server is down, named by the library's own
# module (common.db for Postgres, common.redis for Redis): exception -> dependency or None.
OutageClassifier = Callable[[BaseException], str | None]
_outage_classifiers: list[OutageClassifier] = []


def classifies_outages(classifier: OutageClassifier) -> OutageClassifier:
    """Register a classifier (a decorator, used once per client library at import)."""
    _outage_classifiers.append(classifier)
    return classifier


def outage_of(exc: BaseException) -> str | None:
    """The dependency whose outage raised `exc` (or an exception it caused), else None."""
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, DependencyUnavailable):
            return current.dependency
        for classify in _outage_classifiers:
            if dependency := classify(current):
                return dependency
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        # A rollback failing on the dead connection raises anew; the cause is the outage.
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return None


def _field(loc: tuple[Any, ...]) -> str:
    # ("body", "birthday") → "birthday": clients want the field, not where FastAPI found it.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


# The Mastodon client API's paths answer errors in Mastodon's shape, which its clients
# read: {"error": "message"} (docs.joinmastodon.org, entities/Error).
MASTODON_PATHS = ("/api/v1/", "/api/v2/", "/oauth/token", "/oauth/revoke", "/oauth/authorize")


def is_mastodon_path(path: str) -> bool:
    return path.startswith(MASTODON_PATHS)


def shaped_error(
    path: str,
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """The error in the shape the path's clients read: Mastodon's or the shared one."""
    if is_mastodon_path(path):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    return error_response(status, code, message, headers, **extra)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        if exc.status >= 500:
            # The access line carries it: a server-side failure is found by its code.
            request.state.error_code = exc.code
        return shaped_error(
            request.url.path, exc.status, exc.code, exc.message, exc.headers, **exc.extra
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else default_code(exc.status_code)
        return shaped_error(
            request.url.path,
            exc.status_code,
            default_code(exc.status_code),
            message,
            getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {
                "field": _field(tuple(e.get("loc", ()))),
                "message": e.get("msg", ""),
                "type": e.get("type"),
            }
            for e in exc.errors()
        ]
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        return shaped_error(
            request.url.path, 422, "validation_error", summary or "Invalid request", fields=fields
        )
