"""The gateway's HTTP/1.1 server: `python -m gateway [--host H] [--port P]`.

uvloop, `loop.create_server`, one `Connection` protocol per caller parsed by httptools.
Each request becomes an exchange (http11.py): `ProxyExchange` for a service's route,
`BridgeExchange` for the gateway's own paths and CORS preflights; a connection answers its
requests in order. The lifespan is `Gateway.startup`/`shutdown`. On SIGTERM (or SIGINT)
the server stops accepting, closes idle connections, lets the exchanges in flight end (up
to `--graceful-timeout` seconds, then drops what is left) and shuts the gateway down.
"""

import argparse
import asyncio
import logging
import signal
import time
from collections import deque
from typing import Any
from urllib.parse import unquote

import httptools
import uvloop

from common.request_id import accept_request_id, request_id_var
from gateway.bridge import BridgeExchange
from gateway.http11 import Exchange, Headers, response_head
from gateway.main import Gateway, create_gateway
from gateway.proxy import ProxyExchange

logger = logging.getLogger(__name__)

# An idle caller's connection is closed after this long (uvicorn's default).
KEEPALIVE_SECONDS = 5.0
SWEEP_SECONDS = 1.0
# How often the proxied exchanges' silence limits are checked (how late a 504 may be).
TICK_SECONDS = 0.1
GRACEFUL_SECONDS = 5.0
# After answering a request whose body was left unread (a 413), what else the caller sends
# is read and dropped this long before the connection closes: closing at once would reset
# it, and a reset can discard the answer before the caller has read it (nginx's lingering
# close).
LINGER_SECONDS = 2.0
BAD_REQUEST = (
    b'{"error":{"code":"bad_request","message":"Malformed HTTP request","request_id":null}}'
)


class Connection(asyncio.Protocol):
    """A caller's connection: requests parsed by httptools, answered in order."""

    def __init__(self, server: "GatewayServer") -> None:
        self.server = server
        self.gateway: Gateway = server.gateway
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.peer = ""
        self.peer_port = 0
        self.local: tuple[str, int] | None = None
        self.queue: deque[Exchange] = deque()
        self.parsing: Exchange | None = None
        self.open = False
        self.corked: list[bytes] | None = None  # writes held to go out as one
        self.lingering = False
        self.reading_paused = False
        self.writing_paused = False
        self.drained: asyncio.Future[None] | None = None
        self.idle_since: float | None = time.monotonic()
        self.url = b""
        self.headers: Headers = []

    # -- asyncio.Protocol -----------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.open = True
        peer = transport.get_extra_info("peername")
        if peer:
            self.peer, self.peer_port = peer[0], peer[1]
        local = transport.get_extra_info("sockname")
        self.local = (local[0], local[1]) if local else None
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        for exchange in self.queue:
            exchange.caller_lost()
        if self.parsing is not None and self.parsing not in self.queue:
            self.parsing.caller_lost()
        self.queue.clear()
        self.parsing = None
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)
        self.server.closed(self)

    def data_received(self, data: bytes) -> None:
        if self.lingering:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            self.internal_error(exc.__context__ or exc)
        except httptools.HttpParserUpgrade:
            # No upgrade is supported (the gateway routes no WebSocket): the request is
            # answered as plain HTTP, and the connection ends with it.
            if self.queue:
                self.queue[-1].keep_alive = False
        except httptools.HttpParserError:
            self.bad_request()

    # The answer direction's flow control: the caller reads slower than answers come.
    def pause_writing(self) -> None:
        self.writing_paused = True
        if self.queue:
            self.queue[0].upstream_paused(True)

    def resume_writing(self) -> None:
        self.writing_paused = False
        if self.queue:
            self.queue[0].upstream_paused(False)
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)
        self.drained = None

    # -- httptools callbacks ----------------------------------------------------------

    def on_message_begin(self) -> None:
        self.url = b""
        self.headers = []
        self.idle_since = None

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        exchange = self.exchange_for(
            self.parser.get_method().decode("latin-1"),
            self.url,
            self.headers,
            self.parser.should_keep_alive() and not self.server.stopping,
        )
        self.parsing = exchange
        self.queue.append(exchange)
        if len(self.queue) == 1:
            self.start(exchange)

    def on_body(self, body: bytes) -> None:
        if self.parsing is not None and not self.parsing.done:
            self.parsing.request_body(body)

    def on_message_complete(self) -> None:
        if self.parsing is not None and not self.parsing.done:
            self.parsing.request_end()
        self.parsing = None

    # -- exchanges ----------------------------------------------------------------------

    def exchange_for(self, method: str, url: bytes, headers: Headers, keep_alive: bool) -> Exchange:
        """A service's route goes to the proxy; the rest, and preflights, to the bridge."""
        raw_path, _, query = url.partition(b"?")
        path = raw_path.decode("latin-1")
        if "%" in path:
            path = unquote(path)
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": self.parser.get_http_version(),
            "server": self.local,
            "client": (self.peer, self.peer_port),
            "scheme": "http",
            "method": method,
            "root_path": "",
            "path": path,
            "raw_path": raw_path,
            "query_string": query,
            "headers": headers,
            "state": {},
            "target": url,  # as the caller wrote it: what goes upstream
        }
        gateway = self.gateway
        route = gateway.table.route(scope)
        if route is None or (method == "OPTIONS" and gateway.cors.is_preflight(headers)):
            return BridgeExchange(self, scope, keep_alive, gateway.settings.max_body_bytes)
        incoming = None
        chunked = False
        for name, value in headers:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        request_id = accept_request_id(incoming)
        return ProxyExchange(self, scope, request_id, keep_alive, route, chunked)

    def start(self, exchange: Exchange) -> None:
        token = request_id_var.set(exchange.request_id)
        try:
            exchange.proceed()
        except Exception as exc:
            exchange.fail(exc)
        finally:
            request_id_var.reset(token)

    def finished(self, exchange: Exchange) -> None:
        if self.queue and self.queue[0] is exchange:
            self.queue.popleft()
        if not exchange.keep_alive:
            # Its body still coming: read to the end (a while) rather than reset it.
            self.close(linger=self.parsing is exchange)
            return
        if self.queue:
            self.start(self.queue[0])
        elif self.server.stopping:
            self.close()
        else:
            self.idle_since = time.monotonic()

    def fail(self, exchange: Exchange | None) -> None:
        """An exception while serving `exchange`: a JSON 500 if its answer has not begun,
        then the connection is closed (as the service layer and uvicorn do)."""
        if exchange is not None and not exchange.done and exchange.status == 0 and self.open:
            exchange.keep_alive = False
            try:
                exchange.error(500, "internal_error", "Internal server error")
            except Exception:
                logger.exception("could not answer the error")
        self.close()

    def internal_error(self, exc: BaseException) -> None:
        exchange = self.parsing or (self.queue[0] if self.queue else None)
        if exchange is None and self.open:
            # Failed before its exchange was made: one stands in to answer the 500.
            incoming = next((v for k, v in self.headers if k == b"x-request-id"), b"")
            scope = {"method": self.parser.get_method().decode("latin-1"), "headers": []}
            request_id = accept_request_id(incoming.decode("latin-1") or None)
            exchange = Exchange(self, scope, request_id, keep_alive=False)
        if exchange is None:
            self.close()
        else:
            exchange.fail(exc)

    def bad_request(self) -> None:
        if not self.queue:  # nothing is being answered: the 400 can go first
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(BAD_REQUEST)),
            ]
            self.write(response_head(400, headers, keep_alive=False) + BAD_REQUEST)
        self.close()

    # -- writing ----------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        if self.corked is not None:
            self.corked.append(data)
        elif self.open and self.transport is not None:
            self.transport.write(data)

    def cork(self) -> None:
        """Hold writes until `uncork`: an answer's head and body that arrive together go
        out in one send, not one each."""
        if self.corked is None:
            self.corked = []

    def uncork(self) -> None:
        held, self.corked = self.corked, None
        if held and self.open and self.transport is not None:
            self.transport.write(b"".join(held))

    async def drain(self) -> None:
        """Until the caller has read enough of what was written (or left)."""
        if self.writing_paused and self.open:
            if self.drained is None:
                self.drained = asyncio.get_running_loop().create_future()
            await self.drained

    def close(self, linger: bool = False) -> None:
        self.uncork()
        if not self.open or self.transport is None:
            return
        if linger and self.transport.can_write_eof():
            self.transport.write_eof()  # the answer is whole: the caller sees it end
            self.lingering = True
            self.resume()
            self.open = False
            transport = self.transport
            asyncio.get_running_loop().call_later(LINGER_SECONDS, transport.close)
            return
        self.open = False
        self.transport.close()

    def pause(self) -> None:
        if not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if self.reading_paused and self.transport is not None:
            self.reading_paused = False
            self.transport.resume_reading()

    def stop(self) -> None:
        """The server is stopping: close now if idle, else after the requests in flight."""
        if not self.queue:
            self.close()
            return
        for exchange in self.queue:
            exchange.keep_alive = False


class GatewayServer:
    """`async with GatewayServer(gateway, host, port) as url`: served until the block ends
    (or `start()` ... `stop()`)."""

    def __init__(
        self,
        gateway: Gateway,
        host: str = "127.0.0.1",
        port: int = 8000,
        graceful_seconds: float = GRACEFUL_SECONDS,
    ) -> None:
        self.gateway = gateway
        self.host = host
        self.port = port
        self.graceful_seconds = graceful_seconds
        self.connections: set[Connection] = set()
        self.stopping = False
        self.server: asyncio.Server | None = None
        self.sweeper: asyncio.TimerHandle | None = None
        self.ticker: asyncio.TimerHandle | None = None
        # Proxied exchanges waiting on a replica, each under its route's silence limit.
        self.watched: set[ProxyExchange] = set()
        self.all_closed: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        await self.gateway.startup()
        loop = asyncio.get_running_loop()
        try:
            self.server = await loop.create_server(
                lambda: Connection(self), self.host, self.port, backlog=2048
            )
        except BaseException:
            await self.gateway.shutdown()
            raise
        self.port = self.server.sockets[0].getsockname()[1]
        self.sweeper = loop.call_later(SWEEP_SECONDS, self.sweep)
        self.ticker = loop.call_later(TICK_SECONDS, self.tick)

    def tick(self) -> None:
        now = time.monotonic()
        for exchange in [e for e in self.watched if now - e.last_activity >= e.silence_limit]:
            self.watched.discard(exchange)
            exchange.silent()
        self.ticker = asyncio.get_running_loop().call_later(TICK_SECONDS, self.tick)

    def sweep(self) -> None:
        """Once a second: idle callers' connections past keep-alive closed, and idle pooled
        upstream connections past theirs."""
        horizon = time.monotonic() - KEEPALIVE_SECONDS
        for connection in list(self.connections):
            if connection.idle_since is not None and connection.idle_since < horizon:
                connection.close()
        for pool in self.gateway.pools.values():
            pool.prune()
        self.sweeper = asyncio.get_running_loop().call_later(SWEEP_SECONDS, self.sweep)

    def closed(self, connection: Connection) -> None:
        self.connections.discard(connection)
        if self.all_closed is not None and not self.connections:
            self.all_closed.set()

    async def stop(self) -> None:
        """Graceful: no new connections, idle ones closed, those in flight left to end."""
        self.stopping = True
        if self.server is not None:
            self.server.close()
        if self.sweeper is not None:
            self.sweeper.cancel()
        self.all_closed = asyncio.Event()
        for connection in list(self.connections):
            connection.stop()
        if self.connections:
            try:
                async with asyncio.timeout(self.graceful_seconds):
                    await self.all_closed.wait()
            except TimeoutError:
                logger.warning("%d connections cut at shutdown", len(self.connections))
                for connection in list(self.connections):
                    if connection.transport is not None:
                        connection.transport.abort()
        if self.ticker is not None:
            self.ticker.cancel()
        await self.gateway.shutdown()

    async def __aenter__(self) -> str:
        await self.start()
        return self.url

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def serve(host: str, port: int, graceful_seconds: float) -> None:
    server = GatewayServer(create_gateway(), host, port, graceful_seconds)
    await server.start()
    logger.info("gateway serving on %s", server.url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    logger.info("gateway stopping: %d connections open", len(server.connections))
    await server.stop()
    logger.info("gateway stopped")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gateway", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--graceful-timeout",
        type=float,
        default=GRACEFUL_SECONDS,
        help="seconds the requests in flight get to end on SIGTERM",
    )
    args = parser.parse_args(argv)
    uvloop.run(serve(args.host, args.port, args.graceful_timeout))
