"""Candidate (b): an asyncio protocol proxy on httptools with pooled upstream connections.

    python -m gateway_candidates.httptools_proxy --port N [--hello]

A bench prototype. Callers' connections are `Downstream` protocols parsed by httptools;
each replica has a pool of keep-alive `Upstream` connections parsed by httptools' response
parser. On the common path there is no task, no coroutine and no ASGI message: a request
that finds an idle pooled connection is written upstream from the parser's callback, and
the answer is written to the caller from the upstream's callbacks, as bytes. Only opening a
new upstream connection runs a task. Bodies stream both ways as they arrive; a full write
buffer on one side pauses reading on the other. `--hello` serves the floor instead: a
fixed small JSON answer from the same protocol and parser.
"""

import argparse
import asyncio
import time
from collections import deque
from collections.abc import Sequence
from email.utils import formatdate
from http import HTTPStatus

import httptools
import uvloop

from gateway.balancer import Replica, ReplicaSet
from gateway.config import Settings
from gateway.policy import Policy
from gateway.proxy import IDEMPOTENT
from gateway.routes import Route
from gateway_candidates.essentials import (
    DROPPED_RESPONSE_HEADERS,
    HELLO,
    Essentials,
    forwarded_headers,
    observe,
)

UPSTREAM_KEEPALIVE_SECONDS = 4.0  # under uvicorn's 5 s, as the gateway's (gateway/main.py)
RETRY_ATTEMPTS = 3
# Request bytes held while no upstream connection is ready yet, before the caller is paused.
BUFFER_HIGH = 256 * 1024
NO_BODY_STATUSES = frozenset({204, 304})
REASONS = {status.value: status.phrase.encode() for status in HTTPStatus}


class DateHeader:
    """The Date header, formatted once a second (what uvicorn does too)."""

    def __init__(self) -> None:
        self.second = 0
        self.value = b""

    def __call__(self) -> bytes:
        now = int(time.time())
        if now != self.second:
            self.second = now
            self.value = b"date: " + formatdate(now, usegmt=True).encode() + b"\r\n"
        return self.value


date_header = DateHeader()


def response_head(status: int, headers: list[tuple[bytes, bytes]]) -> bytes:
    lines = [b"HTTP/1.1 %d %s\r\n" % (status, REASONS.get(status, b"")), date_header()]
    lines += [name + b": " + value + b"\r\n" for name, value in headers]
    lines.append(b"\r\n")
    return b"".join(lines)


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


class Pool:
    """Idle keep-alive connections to one replica, the most recently used first."""

    def __init__(self, replica: Replica) -> None:
        self.host = replica.url.host or "127.0.0.1"
        self.port = replica.url.port or 80
        self.idle: list[Upstream] = []

    def take(self) -> "Upstream | None":
        # Expired ones are dropped here rather than by a timer per connection.
        horizon = time.monotonic() - UPSTREAM_KEEPALIVE_SECONDS
        while self.idle:
            connection = self.idle.pop()
            if not connection.closed and connection.idle_since > horizon:
                return connection
            connection.close()
        return None

    def give_back(self, connection: "Upstream") -> None:
        connection.idle_since = time.monotonic()
        if connection.reading_paused:  # paused for a slow caller whose answer is now done
            connection.resume_reading()
        self.idle.append(connection)

    async def connect(self, timeout: float) -> "Upstream":
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(timeout):
            _, connection = await loop.create_connection(
                lambda: Upstream(self), self.host, self.port
            )
        return connection


class Upstream(asyncio.Protocol):
    """One keep-alive connection to a replica; serves one exchange at a time."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.exchange: Exchange | None = None
        self.headers: list[tuple[bytes, bytes]] = []
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

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def pause_reading(self) -> None:
        self.reading_paused = True
        self.transport.pause_reading()  # type: ignore[union-attr]

    def resume_reading(self) -> None:
        self.reading_paused = False
        self.transport.resume_reading()  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        if self.exchange is None:  # bytes nobody asked for: the connection is unusable
            self.close()
            return
        self.exchange.last_activity = time.monotonic()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.close()

    # The request direction's flow control: the replica reads slower than the caller sends.
    def pause_writing(self) -> None:
        if self.exchange is not None:
            self.exchange.downstream.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.exchange is not None:
            self.exchange.downstream.transport.resume_reading()

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
        # Back in the pool first: a pipelined request that begins next can have it.
        if self.parser.should_keep_alive() and not self.closed:
            self.pool.give_back(self)
        else:
            self.close()
        exchange.response_end()


class Exchange:
    """One request through the proxy, from the caller's head to the replica's last byte."""

    def __init__(
        self,
        downstream: "Downstream",
        method: str,
        url: bytes,
        headers: list[tuple[bytes, bytes]],
        keep_alive: bool,
        chunked: bool,
    ) -> None:
        self.downstream = downstream
        self.method = method
        self.url = url
        self.headers = headers
        self.keep_alive = keep_alive
        self.request_chunked = chunked
        self.started = time.perf_counter()
        self.last_activity = time.monotonic()
        self.pending: list[bytes] = []  # body bytes waiting for an upstream connection
        self.pending_size = 0
        self.request_complete = False
        self.body_sent = False  # a byte of body went upstream: it cannot go elsewhere
        self.body_size = 0
        self.upstream: Upstream | None = None
        self.replica: Replica | None = None
        self.replicas: ReplicaSet | None = None
        self.tried: list[Replica] = []
        self.status = 0
        self.response_chunked = False
        self.done = False
        self.timer: asyncio.TimerHandle | None = None
        self.request_id = ""
        self.route: Route | None = None
        self.policy: Policy | None = None
        self.head_tail = b""  # the forwarded headers and the blank line: all but Host

    # -- the caller's side --------------------------------------------------------------

    def begin(self) -> None:
        """Admit, route and send upstream: called when this exchange is the caller's
        oldest (responses go back in request order)."""
        essentials = self.downstream.essentials
        path = self.url.partition(b"?")[0]
        admission = essentials.admit(self.method, path, self.headers, self.downstream.peer)
        self.request_id = admission.request_id
        self.route = admission.route
        if admission.error is not None:
            status, body = admission.error
            extra = []
            if admission.retry_after:
                extra.append((b"retry-after", b"%d" % admission.retry_after))
            if status == 413:
                self.keep_alive = False  # its body is left unread
            self.respond(status, body, extra)
            return
        self.policy = admission.policy
        self.replicas = essentials.replicas[self.route.service]
        forwarded = forwarded_headers(self.headers, self.downstream.peer, self.request_id)
        if any(k == b"expect" for k, _ in forwarded):
            # Answered here, as uvicorn does for the gateway: the replica never sees it, so
            # no interim answer comes back to confuse the exchange.
            forwarded = [(k, v) for k, v in forwarded if k != b"expect"]
            self.downstream.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if self.request_chunked:
            forwarded.append((b"transfer-encoding", b"chunked"))
        lines = [name + b": " + value + b"\r\n" for name, value in forwarded]
        self.head_tail = b"".join(lines) + b"\r\n"
        self.try_replica()

    def try_replica(self) -> None:
        assert self.replicas is not None
        replica = self.replicas.pick(self.tried)
        self.tried.append(replica)
        replica.outstanding += 1
        self.replica = replica
        pool = self.downstream.pools[replica]
        connection = pool.take()
        if connection is not None:
            self.attach(connection)
        else:
            task = asyncio.ensure_future(self.connect(pool))
            self.downstream.tasks.add(task)
            task.add_done_callback(self.downstream.tasks.discard)

    async def connect(self, pool: Pool) -> None:
        settings = self.downstream.essentials.settings
        try:
            connection = await pool.connect(settings.connect_timeout_seconds)
        except (OSError, TimeoutError):
            if self.done:  # the caller left; release() has counted the replica out
                return
            assert self.replicas is not None and self.replica is not None
            self.replicas.failed(self.replica)
            self.replica.outstanding -= 1
            if not self.body_sent and len(self.tried) < RETRY_ATTEMPTS:
                if len(self.tried) >= len(self.replicas.replicas):
                    await asyncio.sleep(min(0.05 * 2 ** (len(self.tried) - 1), 0.5))
                self.try_replica()
                return
            self.respond(503, b'{"code":"upstream_unavailable"}')
            return
        if self.done:  # the caller left while we connected
            pool.give_back(connection)
            return
        self.attach(connection)

    def attach(self, connection: Upstream) -> None:
        self.upstream = connection
        connection.exchange = self
        assert connection.transport is not None
        pool = connection.pool
        head = b"%s %s HTTP/1.1\r\nhost: %s:%d\r\n" % (
            self.method.encode(),
            self.url,
            pool.host.encode(),
            pool.port,
        )
        connection.transport.write(b"".join([head, self.head_tail, *self.pending]))
        self.body_sent = bool(self.pending)
        self.pending = []
        self.pending_size = 0
        if self.downstream.reading_paused:
            self.downstream.resume()
        self.watch()

    def request_body(self, body: bytes) -> None:
        self.body_size += len(body)
        if self.policy is not None and self.body_size > self.policy.body_limit:
            # Too large for its route while streaming (no Content-Length to refuse it by).
            self.keep_alive = False
            if self.upstream is not None:
                self.upstream.exchange = None
                self.upstream.close()
                self.upstream = None
            if self.status == 0:
                self.respond(413, b'{"code":"payload_too_large"}')
            return
        data = chunk(body) if self.request_chunked else body
        if self.upstream is not None:
            self.upstream.transport.write(data)  # type: ignore[union-attr]
            self.body_sent = True
        else:
            self.pending.append(data)
            self.pending_size += len(data)
            if self.pending_size > BUFFER_HIGH:
                self.downstream.pause()

    def request_end(self) -> None:
        self.request_complete = True
        if self.request_chunked:
            if self.upstream is not None:
                self.upstream.transport.write(b"0\r\n\r\n")  # type: ignore[union-attr]
            else:
                self.pending.append(b"0\r\n\r\n")

    def caller_lost(self) -> None:
        if self.done:
            return
        self.done = True
        if self.upstream is not None:  # an answer nobody will read: drop it with its socket
            self.upstream.exchange = None
            self.upstream.close()
            self.upstream = None
        self.release(499)

    # -- the replica's side ------------------------------------------------------------

    def response_start(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.status = status
        kept = [(k, v) for k, v in headers if k not in DROPPED_RESPONSE_HEADERS]
        length = next((v for k, v in headers if k == b"content-length"), None)
        if self.method == "HEAD" or status in NO_BODY_STATUSES or status < 200:
            pass
        elif length is None:
            # Chunked upstream, or an answer of unknown length (SSE): chunked to the caller.
            self.response_chunked = True
            kept.append((b"transfer-encoding", b"chunked"))
        kept.append((b"x-request-id", self.request_id.encode()))
        if not self.keep_alive:
            kept.append((b"connection", b"close"))
        self.downstream.transport.write(response_head(status, kept))
        if self.method == "HEAD":
            # httptools would wait for the body a HEAD answer announces but never sends:
            # finish here and drop the connection rather than teach the parser.
            upstream, self.upstream = self.upstream, None
            if upstream is not None:
                upstream.exchange = None
                upstream.close()
            self.finish()

    def response_body(self, body: bytes) -> None:
        self.downstream.transport.write(chunk(body) if self.response_chunked else body)

    def response_end(self) -> None:
        if self.response_chunked:
            self.downstream.transport.write(b"0\r\n\r\n")
        self.upstream = None
        self.finish()

    def upstream_lost(self) -> None:
        """The replica's connection closed before the whole answer came back."""
        self.upstream = None
        if self.done:
            return
        if self.status:  # mid-answer: nothing to do but drop the caller's connection too
            self.keep_alive = False
            self.downstream.transport.close()
            self.finish()
            return
        assert self.replica is not None
        self.replica.outstanding -= 1
        # A pooled connection the replica closed as we reused it: no answer was begun, so a
        # request without a body that is safe to repeat goes again (gateway.proxy's rule).
        if not self.body_sent and self.method in IDEMPOTENT and len(self.tried) < RETRY_ATTEMPTS:
            self.try_replica()
            return
        self.replica = None
        self.respond(502, b'{"code":"bad_gateway"}')

    def watch(self) -> None:
        """One timer per exchange for the route's silence limit (aiohttp's sock_read), moved
        forward lazily instead of re-armed on every read."""
        if self.timer is None and self.policy is not None:
            limit = self.policy.timeout.sock_read or 30.0
            self.timer = asyncio.get_running_loop().call_later(limit, self.on_timer)

    def on_timer(self) -> None:
        self.timer = None
        if self.done or self.policy is None:
            return
        limit = self.policy.timeout.sock_read or 30.0
        quiet = time.monotonic() - self.last_activity
        if quiet < limit:
            self.timer = asyncio.get_running_loop().call_later(limit - quiet, self.on_timer)
            return
        upstream, self.upstream = self.upstream, None
        if upstream is not None:
            upstream.exchange = None
            upstream.close()
        if self.status:
            self.keep_alive = False
            self.downstream.transport.close()
            self.finish()
        else:
            self.respond(504, b'{"code":"upstream_timeout"}')

    # -- ending ----------------------------------------------------------------------

    def respond(self, status: int, body: bytes, extra: Sequence[tuple[bytes, bytes]] = ()) -> None:
        """A JSON error of the gateway's own, then this exchange is over."""
        self.status = status
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(body)),
            (b"x-request-id", self.request_id.encode()),
            *extra,
        ]
        if not self.keep_alive:
            headers.append((b"connection", b"close"))
        self.downstream.transport.write(response_head(status, headers) + body)
        self.finish()

    def finish(self) -> None:
        if self.done:
            return
        self.done = True
        self.release(self.status)
        self.downstream.finished(self)

    def release(self, status: int) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.replica is not None and self.replicas is not None:
            self.replica.outstanding -= 1
            if status < 500:
                self.replicas.answered(self.replica)
            self.replica = None
        if self.route is not None:
            observe(self.method, self.route.prefix, status, self.started)


class Downstream(asyncio.Protocol):
    """A caller's connection: requests parsed by httptools, answered in order."""

    def __init__(self, essentials: Essentials, pools: dict[Replica, Pool]) -> None:
        self.essentials = essentials
        self.pools = pools
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.peer = ""
        self.queue: deque[Exchange] = deque()
        self.parsing: Exchange | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.reading_paused = False
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self.peer = peer[0] if peer else ""

    def connection_lost(self, exc: Exception | None) -> None:
        for exchange in self.queue:
            exchange.caller_lost()
        self.queue.clear()

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.bad_request()  # WebSocket: the gateway routes none
        except httptools.HttpParserError:
            self.bad_request()

    def bad_request(self) -> None:
        body = b'{"code":"bad_request"}'
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        self.transport.write(response_head(400, [*headers, (b"connection", b"close")]) + body)
        self.transport.close()

    def pause(self) -> None:
        if not self.reading_paused:
            self.reading_paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if self.reading_paused:
            self.reading_paused = False
            self.transport.resume_reading()

    # The response direction's flow control: the caller reads slower than the replica sends.
    def pause_writing(self) -> None:
        if self.queue and (upstream := self.queue[0].upstream) is not None:
            upstream.pause_reading()

    def resume_writing(self) -> None:
        if self.queue and (upstream := self.queue[0].upstream) is not None:
            upstream.resume_reading()

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.url = b""
        self.headers = []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        chunked = any(
            k == b"transfer-encoding" and b"chunked" in v.lower() for k, v in self.headers
        )
        exchange = Exchange(
            self,
            self.parser.get_method().decode(),
            self.url,
            self.headers,
            self.parser.should_keep_alive(),
            chunked,
        )
        self.parsing = exchange
        self.queue.append(exchange)
        if len(self.queue) == 1:
            exchange.begin()

    def on_body(self, body: bytes) -> None:
        if self.parsing is not None and not self.parsing.done:
            self.parsing.request_body(body)

    def on_message_complete(self) -> None:
        if self.parsing is not None and not self.parsing.done:
            self.parsing.request_end()
        self.parsing = None

    def finished(self, exchange: Exchange) -> None:
        if self.queue and self.queue[0] is exchange:
            self.queue.popleft()
        if not exchange.keep_alive:
            self.transport.close()
            return
        if self.queue:
            self.queue[0].begin()


class Hello(asyncio.Protocol):
    """The floor: the same parser answering every request with the same small JSON."""

    def __init__(self) -> None:
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport = None  # type: ignore[assignment]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.close()

    def on_message_complete(self) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(HELLO))]
        self.transport.write(response_head(200, headers) + HELLO)
        if not self.parser.should_keep_alive():
            self.transport.close()


async def serve(port: int, floor: bool) -> None:
    loop = asyncio.get_running_loop()
    if floor:
        await loop.create_server(Hello, "127.0.0.1", port, backlog=2048)
    else:
        essentials = Essentials(Settings())
        essentials.limiter.start()
        pools = {
            replica: Pool(replica)
            for replicas in essentials.replicas.values()
            for replica in replicas.replicas
        }
        await loop.create_server(
            lambda: Downstream(essentials, pools), "127.0.0.1", port, backlog=2048
        )
    await asyncio.Event().wait()  # until the bench stops the process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--hello", action="store_true", help="serve the floor, not the proxy")
    args = parser.parse_args()
    uvloop.run(serve(args.port, args.hello))


if __name__ == "__main__":
    main()
