"""Streams a request to its upstream and the answer back, through one pooled aiohttp client.

Bodies are never buffered: the request body is handed to aiohttp as an async iterator and
the response is relayed chunk by chunk as it arrives.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
from prometheus_client import Counter
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from yarl import URL

from common.errors import error_response
from common.request_id import request_id_var
from gateway.balancer import Replica, ReplicaSet, parse_urls
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

# Not relayed from an upstream's response: hop-by-hop ones, and those the gateway's own
# server writes on every response (a copy of the upstream's would make two of each).
DROPPED_RESPONSE_HEADERS = HOP_BY_HOP | {b"date", b"server"}

# Set by the gateway itself; a caller's values are replaced (or, for -for, extended).
OWN_HEADERS = frozenset(
    {b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"x-request-id"}
)

# Safe to send again when the connection failed before any answer came back.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Failures to connect: nothing reached the replica.
CONNECT_ERRORS = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
RETRYABLE = (*CONNECT_ERRORS, aiohttp.ServerDisconnectedError)


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
        self.started = False  # a byte read: it cannot be sent to another replica
        self.finished = False  # read whole: what `receive` says next is the caller leaving

    async def __aiter__(self) -> AsyncIterator[bytes]:
        received = 0
        while True:
            self.started = True
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
                self.finished = True
                return


async def _caller_gone(receive: Receive) -> None:
    """Returns when the caller disconnects; only once its body has been read whole."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def _next_chunk(
    upstream: aiohttp.ClientResponse, caller_gone: "asyncio.Future[None] | None"
) -> bytes | None:
    """The upstream's next bytes, or None if the caller left first."""
    if caller_gone is None:
        return await upstream.content.readany()
    read = asyncio.ensure_future(upstream.content.readany())
    await asyncio.wait((read, caller_gone), return_when=asyncio.FIRST_COMPLETED)
    if not read.done():
        read.cancel()
        return None
    return read.result()


class Proxy:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        upstreams: dict[str, str],
        *,
        trusted_proxies: frozenset[str] = frozenset(),
        retry_attempts: int = 3,
    ) -> None:
        """`upstreams`: each service's URL, or its replicas' URLs comma-separated."""
        self.session = session
        self.replicas = {name: ReplicaSet(parse_urls(urls)) for name, urls in upstreams.items()}
        self.trusted_proxies = trusted_proxies
        self.retry_attempts = max(1, retry_attempts)

    async def _open(
        self,
        service: str,
        request: Callable[[URL], Awaitable[aiohttp.ClientResponse]],
        *,
        method: str,
        body: "StreamedBody | None",
    ) -> tuple[aiohttp.ClientResponse, Replica]:
        """Send the request to a replica; on a connection failure, again to another one.

        A refused connection carried nothing, so any request may go again while its body is
        still unread. A connection dropped before the answer may have been acted on: only an
        idempotent request without a body is sent again. With one replica, the retries
        wait a little (it may be restarting); with several, the next one is tried at once.
        """
        replicas = self.replicas[service]
        tried: list[Replica] = []
        while True:
            replica = replicas.pick(tried)
            tried.append(replica)
            replica.outstanding += 1
            try:
                upstream = await request(replica.url)
            except RETRYABLE as exc:
                replica.outstanding -= 1
                refused = isinstance(exc, CONNECT_ERRORS)
                if refused:
                    replicas.failed(replica)
                unsent = body is None or (refused and not body.started)
                may_retry = unsent and (refused or (body is None and method in IDEMPOTENT))
                if not may_retry or len(tried) >= self.retry_attempts:
                    raise
                if len(tried) >= len(replicas.replicas):  # the next one is a second try
                    await asyncio.sleep(min(0.05 * 2 ** (len(tried) - 1), 0.5))
                continue
            except BaseException:
                replica.outstanding -= 1
                raise
            replicas.answered(replica)
            return upstream, replica

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send, service: str, policy: Policy
    ) -> None:
        raw_path = scope.get("raw_path") or scope["path"].encode()
        target = raw_path.decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        body = StreamedBody(receive, policy.body_limit) if declared_length(scope) != 0 else None

        async def request(base: URL) -> aiohttp.ClientResponse:
            return await self.session.request(
                scope["method"],
                URL(str(base) + target, encoded=True),
                headers=_request_headers(scope, self.trusted_proxies),
                data=body.__aiter__() if body else None,
                allow_redirects=False,
                timeout=policy.timeout,
            )

        started = False
        try:
            upstream, replica = await self._open(
                service, request, method=scope["method"], body=body
            )
            try:
                headers = [
                    (name.lower(), value)
                    for name, value in upstream.raw_headers
                    if name.lower() not in DROPPED_RESPONSE_HEADERS
                ]
                await send(
                    {"type": "http.response.start", "status": upstream.status, "headers": headers}
                )
                started = True
                # A response of unknown length may never end (server-sent events): watch for
                # the caller leaving, or the upstream stream would be relayed to nobody.
                caller_gone = None
                if upstream.content_length is None and (body is None or body.finished):
                    caller_gone = asyncio.ensure_future(_caller_gone(receive))
                try:
                    while (chunk := await _next_chunk(upstream, caller_gone)) is not None:
                        # Mark the last chunk as last: one ASGI message fewer for most.
                        more = bool(chunk) and not upstream.content.at_eof()
                        await send({"type": "http.response.body", "body": chunk, "more_body": more})
                        if not more:
                            break
                    else:
                        upstream.close()  # unread: the connection cannot be reused
                finally:
                    if caller_gone is not None:
                        caller_gone.cancel()
            finally:
                upstream.release()
                replica.outstanding -= 1
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
