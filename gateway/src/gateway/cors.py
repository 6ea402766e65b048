"""CORS, one configuration for both of the gateway's paths.

Strict (STRICT_CORS=1): only the frontend's origin, with credentials. Otherwise any origin,
never with credentials. Starlette's CORSMiddleware answers preflights and wraps the
gateway's own paths (gateway/bridge.py); `CorsHeaders` adds the same headers to proxied
answers as bytes, as the middleware's `send` would.
"""

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from gateway.config import Settings

Headers = list[tuple[bytes, bytes]]

EXPOSED = ["X-Request-ID", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining"]


def cors_middleware(app: ASGIApp, settings: Settings) -> CORSMiddleware:
    return CORSMiddleware(
        app,
        allow_origins=[settings.frontend_url] if settings.strict_cors else ["*"],
        allow_credentials=settings.strict_cors,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=EXPOSED,
    )


class CorsHeaders:
    def __init__(self, middleware: CORSMiddleware) -> None:
        self.middleware = middleware
        self.simple = [
            (name.lower().encode(), value.encode())
            for name, value in middleware.simple_headers.items()
        ]
        self.simple_names = frozenset(name for name, _ in self.simple)
        # Credentials with any origin: the origin itself is named, never "*".
        self.explicit_for_all = middleware.allow_all_origins and middleware.allow_credentials

    @staticmethod
    def is_preflight(request_headers: Headers) -> bool:
        """(For an OPTIONS request) a browser's preflight, which CORS answers itself."""
        names = {name for name, _ in request_headers}
        return b"origin" in names and b"access-control-request-method" in names

    def apply(self, request_headers: Headers, headers: Headers) -> Headers:
        """The answer's headers with CORS's: for a request with Origin the simple headers
        and, if it may read the answer, its origin; `Vary: Origin` always."""
        origin = None
        for name, value in request_headers:
            if name == b"origin":
                origin = value
                break
        if origin is not None:
            headers = [(k, v) for k, v in headers if k not in self.simple_names]
            headers += self.simple
            middleware = self.middleware
            if self.explicit_for_all or (
                not middleware.allow_all_origins
                and middleware.is_allowed_origin(origin.decode("latin-1"))
            ):
                headers = [(k, v) for k, v in headers if k != b"access-control-allow-origin"]
                headers.append((b"access-control-allow-origin", origin))
        vary = [v for k, v in headers if k == b"vary"]
        if vary:
            headers = [(k, v) for k, v in headers if k != b"vary"]
            headers.append((b"vary", b", ".join([*vary, b"Origin"])))
        else:
            headers.append((b"vary", b"Origin"))
        return headers
