"""Streams a request to its upstream and the answer back, through one pooled aiohttp client.

Bodies are never buffered: the request body is handed to aiohttp as an async iterator and
the response is relayed chunk by chunk as it arrives.
"""

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
from prometheus_client import Counter
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential
from yarl import URL

from common.errors import error_response
from common.request_id import request_id_var
from gateway.policy import Policy

logger = logging.getLogger(__name__)

UPSTREAM_ERRORS = Counter(
    "gateway_upstream_errors_total", "Requests an upstream did not answer", ["service", "kind"]
)

# RFC 9110 §7.6.1 hop-by-hop headers, plus host (the client library sets the upstream's).
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
    }
)

# Set by the gateway itself; a caller's values are replaced (or, for -for, extended).
OWN_HEADERS = frozenset(
    {b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"x-request-id"}
)

# Safe to send again when the connection failed before any answer came back.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE = (aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError)


class ClientDisconnected(Exception):
    """The caller went away while its body was being streamed upstream."""


class BodyTooLarge(Exception):
    """A body without Content-Length grew past the route's limit while streaming."""


def client_address(scope: Scope, trusted_proxies: frozenset[str]) -> str:
    """The caller's IP: the peer, or behind a trusted proxy the address it forwarded for."""
    peer = scope["client"][0] if scope.get("client") else ""
    if peer in trusted_proxies:
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                return value.decode("latin-1").rsplit(",", 1)[-1].strip() or peer
    return peer


def _request_headers(scope: Scope, trusted_proxies: frozenset[str]) -> list[tuple[str, str]]:
    raw = scope["headers"]
    drop = HOP_BY_HOP | OWN_HEADERS
    for name, value in raw:
        if name == b"connection":  # the headers it names are hop-by-hop too
            drop = drop | {token.strip().lower() for token in value.split(b",")}
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw if k not in drop]
    found = {k: v.decode("latin-1") for k, v in raw if k in (b"host", b"x-forwarded-for")}
    peer = scope["client"][0] if scope.get("client") else ""
    # A caller's own X-Forwarded-For is kept only when it comes through a proxy we trust.
    prior = found.get(b"x-forwarded-for") if peer in trusted_proxies else None
    headers += [
        ("X-Forwarded-For", f"{prior}, {peer}" if prior else peer),
        ("X-Forwarded-Proto", scope.get("scheme", "http")),
        ("X-Forwarded-Host", found.get(b"host", "")),
        ("X-Request-ID", request_id_var.get() or ""),
    ]
    return headers


def declared_length(scope: Scope) -> int | None:
    """Content-Length, 0 for no body, None for a chunked body of unknown length."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
        if name == b"transfer-encoding":
            return None
    return 0


class StreamedBody:
    """The caller's body, relayed to aiohttp as it arrives.

    aiohttp wraps whatever this raises into a connection error, so the reason is also
    kept here for the proxy to answer 413 (too large) or nothing (caller gone).
    """

    def __init__(self, receive: Receive, limit: int) -> None:
        self.receive = receive
        self.limit = limit
        self.failure: type[Exception] | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        received = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                self.failure = ClientDisconnected
                raise ClientDisconnected
            if chunk := message.get("body", b""):
                received += len(chunk)
                if received > self.limit:
                    self.failure = BodyTooLarge
                    raise BodyTooLarge
                yield chunk
            if not message.get("more_body", False):
                return


class Proxy:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        upstreams: dict[str, str],
        *,
        trusted_proxies: frozenset[str] = frozenset(),
        retry_attempts: int = 3,
    ) -> None:
        self.session = session
        self.upstreams = {name: URL(base) for name, base in upstreams.items()}
        self.trusted_proxies = trusted_proxies
        self.retrying = AsyncRetrying(
            stop=stop_after_attempt(max(1, retry_attempts - 1)),
            wait=wait_exponential(multiplier=0.05, max=0.5),
            retry=retry_if_exception_type(RETRYABLE),
            reraise=True,
        )

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send, service: str, policy: Policy
    ) -> None:
        raw_path = scope.get("raw_path") or scope["path"].encode()
        target = str(self.upstreams[service]) + raw_path.decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        body = StreamedBody(receive, policy.body_limit) if declared_length(scope) != 0 else None
        has_body = body is not None

        async def open_upstream() -> aiohttp.ClientResponse:
            return await self.session.request(
                scope["method"],
                URL(target, encoded=True),
                headers=_request_headers(scope, self.trusted_proxies),
                data=body.__aiter__() if body else None,
                allow_redirects=False,
                timeout=policy.timeout,
            )

        started = False
        try:
            try:
                upstream = await open_upstream()
            except RETRYABLE:
                if has_body or scope["method"] not in IDEMPOTENT:
                    raise
                upstream = await self.retrying(open_upstream)
            try:
                headers = [
                    (name.lower(), value)
                    for name, value in upstream.raw_headers
                    if name.lower() not in HOP_BY_HOP
                ]
                await send(
                    {"type": "http.response.start", "status": upstream.status, "headers": headers}
                )
                started = True
                while True:
                    chunk = await upstream.content.readany()
                    # Mark the last chunk as last: one ASGI message fewer for most responses.
                    more = bool(chunk) and not upstream.content.at_eof()
                    await send({"type": "http.response.body", "body": chunk, "more_body": more})
                    if not more:
                        break
            finally:
                upstream.release()
        except (TimeoutError, aiohttp.ClientError) as exc:
            if started:
                raise  # mid-stream: nothing left to do but drop the connection
            if body is not None and body.failure is ClientDisconnected:
                return
            if body is not None and body.failure is BodyTooLarge:
                await payload_too_large(policy.body_limit)(scope, receive, send)
                return
            status, code, message = _classify(exc, service)
            UPSTREAM_ERRORS.labels(service, code).inc()
            logger.warning("upstream %s failed: %s", service, type(exc).__name__)
            await error_response(status, code, message, service=service)(scope, receive, send)


def payload_too_large(limit: int) -> Response:
    return error_response(413, "payload_too_large", f"The request body exceeds {limit} bytes")


def _classify(exc: BaseException, service: str) -> tuple[int, str, str]:
    if isinstance(exc, aiohttp.ClientConnectorError):
        return 503, "upstream_unavailable", f"The {service} service is unavailable"
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return 504, "upstream_timeout", f"The {service} service did not answer in time"
    return 502, "bad_gateway", f"The {service} service gave an invalid response"
