"""A request for a service's route, streamed to one of its replicas and the answer back.

Asyncio protocols parsed by httptools, with keep-alive connections pooled per replica
(issue 22: 1.7–3.1× the ASGI gateway on aiohttp's client, bench/gateway.py). On the common
path there is no task, no coroutine and no ASGI message: a request that finds an idle
pooled connection is written upstream from the caller's parser callback, and the answer is
written to the caller from the upstream's callbacks, as bytes. A task runs only to open a
new upstream connection, or to await a token's verification or an exact rate-limit bucket
in Redis. Bodies stream both ways as they arrive; a full write buffer on one side pauses
reading on the other.
"""

import asyncio
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Any

import httptools
from prometheus_client import Counter

from common.request_id import request_id_var
from gateway.balancer import Replica, ReplicaSet
from gateway.http11 import Exchange, Headers, chunk, has_body
from gateway.identity import bearer_token
from gateway.routes import Route

if TYPE_CHECKING:
    from gateway.server import Connection

logger = logging.getLogger(__name__)

UPSTREAM_ERRORS = Counter(
    "gateway_upstream_errors_total", "Requests an upstream did not answer", ["service", "kind"]
)

# RFC 9110 §7.6.1 hop-by-hop headers, plus host (the upstream's is written instead).
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

# Not relayed from an upstream's response: hop-by-hop ones, and those the gateway writes on
# every response (a copy of the upstream's would make two of each).
DROPPED_RESPONSE_HEADERS = HOP_BY_HOP | {b"date", b"server", b"x-request-id"}

# Set by the gateway itself; a caller's values are replaced (or, for -for, extended).
OWN_HEADERS = frozenset(
    {b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"x-request-id", b"expect"}
)

NOT_FORWARDED = HOP_BY_HOP | OWN_HEADERS

# Safe to send again when the connection failed before any answer came back.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# Under uvicorn's 5 s keep-alive: the gateway drops an idle connection before the service
# does, never sending a request down one the service is closing (a 502).
UPSTREAM_KEEPALIVE_SECONDS = 4.0
# Request bytes held while no upstream connection is ready yet, before the caller is paused.
BUFFER_HIGH = 256 * 1024


def client_address(peer: str, headers: Headers, trusted_proxies: frozenset[str]) -> str:
    """The caller's IP: the peer, or behind a trusted proxy the address it forwarded for."""
    if peer in trusted_proxies:
        for name, value in headers:
            if name == b"x-forwarded-for":
                return value.decode("latin-1").rsplit(",", 1)[-1].strip() or peer
    return peer


def forwarded_headers(
    headers: Headers, peer: str, request_id: str, trusted_proxies: frozenset[str]
) -> Headers:
    """The caller's headers less hop-by-hop and our own, plus X-Forwarded-* and the id."""
    drop = NOT_FORWARDED
    host = b""
    prior = b""
    for name, value in headers:
        if name == b"connection":  # the headers it names are hop-by-hop too
            drop = drop | {token.strip().lower() for token in value.split(b",")}
        elif name == b"host":
            host = value
        elif name == b"x-forwarded-for":
            prior = value
    kept = [(k, v) for k, v in headers if k not in drop]
    # A caller's own X-Forwarded-For is kept only when it comes through a proxy we trust.
    chain = prior + b", " + peer.encode() if prior and peer in trusted_proxies else peer.encode()
    kept += [
        (b"x-forwarded-for", chain),
        (b"x-forwarded-proto", b"http"),
        (b"x-forwarded-host", host),
        (b"x-request-id", request_id.encode()),
    ]
    return kept


def declared_length(headers: Headers) -> int | None:
    """Content-Length, 0 for no body, None for a chunked body of unknown length."""
    for name, value in headers:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
        if name == b"transfer-encoding":
            return None
    return 0


class Pool:
    """Keep-alive connections to one replica: the idle ones, the most recently used first,
    at most `limit` open, and the exchanges waiting for one when all are busy."""

    def __init__(self, replica: Replica, limit: int) -> None:
        self.host = replica.url.host or "127.0.0.1"
        self.port = replica.url.port or 80
        self.host_header = b"%s:%d" % (self.host.encode(), self.port)
        self.limit = max(1, limit)
        self.open = 0  # connected or connecting
        self.idle: list[Upstream] = []
        self.waiting: deque[ProxyExchange] = deque()

    def take(self) -> "Upstream | None":
        # Expired ones are dropped here and by the server's sweep, not by a timer each.
        horizon = time.monotonic() - UPSTREAM_KEEPALIVE_SECONDS
        while self.idle:
            connection = self.idle.pop()
            if connection.reusable(horizon):
                return connection
            connection.close()
        return None

    def give_back(self, connection: "Upstream") -> None:
        if connection.reading_paused:  # paused for a slow caller whose answer is now done
            connection.resume_reading()
        while self.waiting:
            exchange = self.waiting.popleft()
            if not exchange.done:
                exchange.attach(connection)
                return
        connection.idle_since = time.monotonic()
        self.idle.append(connection)

    def closed(self) -> None:
        """A connection of this pool closed: a waiting exchange may open one."""
        self.open -= 1
        while self.waiting:
            exchange = self.waiting.popleft()
            if not exchange.done:
                self.open += 1
                exchange.spawn(exchange.connect(self))
                return

    def prune(self) -> None:
        horizon = time.monotonic() - UPSTREAM_KEEPALIVE_SECONDS
        keep = []
        for connection in self.idle:
            if connection.reusable(horizon):
                keep.append(connection)
            else:
                connection.close()
        self.idle = keep

    def close(self) -> None:
        for connection in self.idle:
            connection.close()
        self.idle = []

    async def connect(self, timeout: float) -> "Upstream":
        """A new connection, in the slot its caller counted in `open` (given back if this
        fails)."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(
                    lambda: Upstream(self), self.host, self.port
                )
        except BaseException:
            self.open -= 1
            raise
        return connection


class Upstream(asyncio.Protocol):
    """One keep-alive connection to a replica; serves one exchange at a time."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.exchange: ProxyExchange | None = None
        self.headers: Headers = []
        self.closed = False
        self.idle_since = 0.0
        self.reading_paused = False
        self.interim = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.exchange is not None:
            exchange, self.exchange = self.exchange, None
            exchange.upstream_lost()
        self.pool.closed()

    def reusable(self, horizon: float) -> bool:
        """Open, and idle since after `horizon` (the service has not dropped it yet)."""
        return not self.closed and self.idle_since > horizon

    def write(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def detach(self) -> None:
        """Its exchange is over before its answer: the connection cannot be reused."""
        self.exchange = None
        self.close()

    def pause_reading(self) -> None:
        if self.transport is not None and not self.reading_paused:
            self.reading_paused = True
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.transport is not None and self.reading_paused:
            self.reading_paused = False
            self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        exchange = self.exchange
        if exchange is None:  # bytes nobody asked for: the connection is unusable
            self.close()
            return
        exchange.last_activity = time.monotonic()
        caller = exchange.connection
        caller.cork()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            self.detach()
            exchange.fail(exc.__context__ or exc)
        except httptools.HttpParserError:
            self.close()  # an answer that is no HTTP: connection_lost makes it a 502
        finally:
            caller.uncork()

    # The request direction's flow control: the replica reads slower than the caller sends.
    def pause_writing(self) -> None:
        if self.exchange is not None:
            self.exchange.connection.pause()

    def resume_writing(self) -> None:
        if self.exchange is not None:
            self.exchange.connection.resume()

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        headers, self.headers = self.headers, []
        status = self.parser.get_status_code()
        self.interim = status < 200
        if self.exchange is not None and not self.interim:  # a 1xx is not the answer
            self.exchange.response_start(status, headers)

    def on_body(self, body: bytes) -> None:
        if self.exchange is not None:
            self.exchange.response_body(body)

    def on_message_complete(self) -> None:
        if self.interim:
            return
        exchange, self.exchange = self.exchange, None
        if exchange is None:
            return
        # Back in the pool first: a pipelined request that begins next can have it. Not if
        # the replica answered before the whole request body reached it (a 401 or 405 to an
        # upload): it still waits for that rest, and would read the next request as body.
        if self.parser.should_keep_alive() and not self.closed and exchange.request_done:
            self.pool.give_back(self)
        else:
            self.close()
        exchange.response_end()


class ProxyExchange(Exchange):
    """One request for a service's route, from the caller's head to the replica's last
    byte: admitted (body limit, identity, rate limits), sent to a replica, answered."""

    def __init__(
        self,
        connection: "Connection",
        scope: dict[str, Any],
        request_id: str,
        keep_alive: bool,
        route: Route,
        chunked: bool,
    ) -> None:
        super().__init__(connection, scope, request_id, keep_alive)
        self.request_id: str = request_id
        self.route = route
        scope["gateway_route"] = route.prefix
        self.policy = self.gateway.policies.for_request(self.method, scope["path"])
        self.replicas: ReplicaSet = self.gateway.replicas[route.service]
        self.request_chunked = chunked
        self.last_activity = time.monotonic()
        self.pending: list[bytes] = []  # body bytes waiting for an upstream connection
        self.pending_size = 0
        self.body_sent = False  # a byte of body went upstream: it cannot go elsewhere
        self.bodyless = False  # declared no body: may be sent again after a drop
        self.request_done = False  # the caller's request ended (its body, if any, all read)
        self.body_size = 0
        self.upstream: Upstream | None = None
        self.replica: Replica | None = None
        self.tried: list[Replica] = []
        self.response_chunked = False
        self.until_close = False
        self.silence_limit: float = self.policy.timeout.sock_read or 30.0
        self.head_tail = b""  # the forwarded headers and the blank line: all but Host

    # -- admission ------------------------------------------------------------------

    def proceed(self) -> None:
        """Body limit, identity and rate limits, then upstream. Synchronous unless a bearer
        token is to be verified or the route has an exact bucket (an await each)."""
        headers = self.scope["headers"]
        limit = self.policy.body_limit
        length = declared_length(headers)
        self.bodyless = length == 0
        if length is not None and length > limit:
            self.keep_alive = False  # its body is left unread
            self.too_large()
            return
        token = bearer_token(headers)
        if token is None and self.policy.bucket is None:
            limiter = self.gateway.limiter
            if limiter.counting:
                refused = limiter.count_general(self.client_ip(), None)
                if refused is not None:
                    self.answer(refused)
                    return
            self.forward()
            return
        self.spawn(self.admit(token))

    async def admit(self, token: str | None) -> None:
        gateway = self.gateway
        user_id = None
        if token is not None:
            assert gateway.identity is not None
            user_id = await gateway.identity.user_id(token)
            if user_id:
                self.scope["state"]["user_id"] = user_id
        refused = await gateway.limiter.check(
            bucket=self.policy.bucket, client_ip=self.client_ip(), user_id=user_id
        )
        if self.done:  # the caller left meanwhile
            return
        if refused is not None:
            self.answer(refused)
        else:
            self.forward()

    def client_ip(self) -> str:
        peer = self.connection.peer
        return client_address(peer, self.scope["headers"], self.gateway.trusted_proxies)

    def too_large(self) -> None:
        limit = self.policy.body_limit
        self.error(413, "payload_too_large", f"The request body exceeds {limit} bytes")

    # -- the caller's side --------------------------------------------------------------

    def forward(self) -> None:
        forwarded = forwarded_headers(
            self.scope["headers"],
            self.connection.peer,
            self.request_id,
            self.gateway.trusted_proxies,
        )
        if any(k == b"expect" for k, _ in self.scope["headers"]):
            # Answered here: the replica never sees it, so no interim answer comes back.
            self.connection.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if self.request_chunked:
            forwarded.append((b"transfer-encoding", b"chunked"))
        lines = [name + b": " + value + b"\r\n" for name, value in forwarded]
        self.head_tail = b"".join(lines) + b"\r\n"
        self.try_replica()

    def try_replica(self) -> None:
        replica = self.replicas.pick(self.tried)
        self.tried.append(replica)
        replica.outstanding += 1
        self.replica = replica
        pool = self.gateway.pools[replica]
        connection = pool.take()
        if connection is not None:
            self.attach(connection)
        elif pool.open < pool.limit:
            pool.open += 1
            self.spawn(self.connect(pool))
        else:  # as many open as allowed: the next one given back is this exchange's
            pool.waiting.append(self)
            self.watch()

    async def connect(self, pool: Pool) -> None:
        """A new connection to the replica; a refused one is retried (nothing was sent)."""
        try:
            connection = await pool.connect(self.gateway.settings.connect_timeout_seconds)
        except (OSError, TimeoutError):
            if self.done:  # the caller left; ended() counted the replica out
                return
            assert self.replica is not None
            self.replicas.failed(self.replica)
            self.replica.outstanding -= 1
            self.replica = None
            attempts = self.gateway.settings.retry_attempts
            if not self.body_sent and len(self.tried) < attempts:
                if len(self.tried) >= len(self.replicas.replicas):  # the next is a second try
                    await asyncio.sleep(min(0.05 * 2 ** (len(self.tried) - 1), 0.5))
                if not self.done:
                    self.try_replica()
                return
            message = f"The {self.route.service} service is unavailable"
            self.upstream_error(503, "upstream_unavailable", message)
            return
        if self.done:  # the caller left while we connected
            pool.give_back(connection)
            return
        self.attach(connection)

    def attach(self, connection: Upstream) -> None:
        self.upstream = connection
        connection.exchange = self
        head = b"%s %s HTTP/1.1\r\nhost: %s\r\n" % (
            self.method.encode(),
            self.scope["target"],
            connection.pool.host_header,
        )
        connection.write(b"".join([head, self.head_tail, *self.pending]))
        self.body_sent = bool(self.pending)
        self.pending = []
        self.pending_size = 0
        self.connection.resume()
        self.last_activity = time.monotonic()
        self.watch()

    def request_body(self, body: bytes) -> None:
        if self.done:  # answered already (a refusal, or the replica did not wait): dropped
            return
        self.last_activity = time.monotonic()  # an upload's time is not the replica's silence
        self.body_size += len(body)
        if self.body_size > self.policy.body_limit:
            # Too large for its route while streaming (no Content-Length to refuse it by).
            self.keep_alive = False
            if self.upstream is not None:
                self.upstream.detach()
                self.upstream = None
            if self.status == 0 and not self.done:
                self.too_large()
            return
        data = chunk(body) if self.request_chunked else body
        if self.upstream is not None:
            self.upstream.write(data)
            self.body_sent = True
        else:
            self.pending.append(data)
            self.pending_size += len(data)
            if self.pending_size > BUFFER_HIGH:
                self.connection.pause()

    def request_end(self) -> None:
        self.request_done = True
        if self.done:
            return
        if self.request_chunked:
            if self.upstream is not None:
                self.upstream.write(b"0\r\n\r\n")
            else:
                self.pending.append(b"0\r\n\r\n")

    def caller_lost(self) -> None:
        if self.done:
            return
        if self.upstream is not None:  # an answer nobody will read: drop it with its socket
            self.upstream.detach()
            self.upstream = None
        self.status = self.status or 499
        self.done = True
        self.ended()

    def upstream_paused(self, paused: bool) -> None:
        if self.upstream is not None:
            if paused:
                self.upstream.pause_reading()
            else:
                self.upstream.resume_reading()

    # -- the replica's side ------------------------------------------------------------

    def head(self, status: int, headers: Headers) -> None:
        super().head(status, self.gateway.cors.apply(self.scope["headers"], headers))

    def response_start(self, status: int, headers: Headers) -> None:
        assert self.replica is not None
        self.replicas.answered(self.replica)
        kept = [(k, v) for k, v in headers if k not in DROPPED_RESPONSE_HEADERS]
        if has_body(self.method, status) and not any(k == b"content-length" for k, _ in kept):
            # Chunked upstream, or an answer of unknown length (SSE): chunked to the caller.
            self.response_chunked = True
            kept.append((b"transfer-encoding", b"chunked"))
            # Neither length nor chunks: the answer ends when the replica closes.
            self.until_close = not any(k == b"transfer-encoding" for k, _ in headers)
        self.head(status, kept)
        if self.method == "HEAD":
            # httptools would wait for the body a HEAD answer announces but never sends:
            # finish here and drop the connection rather than teach the parser.
            if self.upstream is not None:
                self.upstream.detach()
                self.upstream = None
            self.finish()

    def response_body(self, body: bytes) -> None:
        self.connection.write(chunk(body) if self.response_chunked else body)

    def response_end(self) -> None:
        if self.response_chunked:
            self.connection.write(b"0\r\n\r\n")
        self.upstream = None
        self.finish()

    def upstream_lost(self) -> None:
        """The replica's connection closed before the whole answer came back."""
        self.upstream = None
        if self.done:
            return
        if self.until_close:  # the end of an answer without length or chunks
            self.response_end()
            return
        if self.status:  # mid-answer: nothing to do but drop the caller's connection too
            self.keep_alive = False
            self.connection.close()
            self.finish()
            return
        assert self.replica is not None
        self.replica.outstanding -= 1
        self.replica = None
        # A pooled connection the replica closed as we reused it, or one dropped before any
        # answer: a request without a body that is safe to repeat goes again, never a POST.
        attempts = self.gateway.settings.retry_attempts
        if self.bodyless and self.method in IDEMPOTENT and len(self.tried) < attempts:
            self.try_replica()
            return
        service = self.route.service
        self.upstream_error(502, "bad_gateway", f"The {service} service gave an invalid response")

    def watch(self) -> None:
        """Under the route's silence limit (nginx's proxy_read_timeout) from now on: the
        server looks at every watched exchange's last activity a few times a second
        (`GatewayServer.tick`), rather than each arming and cancelling a timer."""
        self.connection.server.watched.add(self)

    def silent(self) -> None:
        """Nothing from the replica for the route's silence limit: a 504, or if the answer
        had begun, the caller's connection dropped."""
        if self.done:
            return
        if self.upstream is not None:
            self.upstream.detach()
            self.upstream = None
        if self.status:
            self.keep_alive = False
            self.connection.close()
            self.finish()
        else:
            service = self.route.service
            self.upstream_error(
                504, "upstream_timeout", f"The {service} service did not answer in time"
            )

    # -- ending ----------------------------------------------------------------------

    def upstream_error(self, status: int, code: str, message: str) -> None:
        service = self.route.service
        UPSTREAM_ERRORS.labels(service, code).inc()
        token = request_id_var.set(self.request_id)
        try:
            logger.warning("upstream %s failed: %s", service, code)
        finally:
            request_id_var.reset(token)
        self.error(status, code, message, service=service)

    def ended(self) -> None:
        self.connection.server.watched.discard(self)
        if self.replica is not None:
            self.replica.outstanding -= 1
            self.replica = None
        self.gateway.observe(self)
