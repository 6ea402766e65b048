"""HTTP/1.1 as the gateway writes it to callers: response heads, chunks, and the exchange.

An `Exchange` is one request on a caller's connection (gateway/server.py), from its head
to the last byte of its answer: `ProxyExchange` (gateway/proxy.py) for a service's route,
`BridgeExchange` (gateway/bridge.py) for the gateway's own paths. The connection answers
its requests in order; each exchange tells it when it is over (`finish`).
"""

import asyncio
import logging
import time
from collections.abc import Coroutine
from email.utils import formatdate
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from common.errors import error_response
from common.request_id import request_id_var

if TYPE_CHECKING:
    from gateway.main import Gateway
    from gateway.server import Connection

logger = logging.getLogger(__name__)

Headers = list[tuple[bytes, bytes]]

REASONS = {status.value: status.phrase.encode() for status in HTTPStatus}
# One Server header, the gateway's: the services' own are dropped (proxy.py).
SERVER = b"server: gateway\r\n"
NO_BODY_STATUSES = frozenset({204, 304})


class DateHeader:
    """The Date header, formatted once a second (as uvicorn and nginx do)."""

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


def response_head(status: int, headers: Headers, keep_alive: bool = True) -> bytes:
    lines = [b"HTTP/1.1 %d %s\r\n" % (status, REASONS.get(status, b"")), date_header(), SERVER]
    lines += [name + b": " + value + b"\r\n" for name, value in headers]
    if not keep_alive:
        lines.append(b"connection: close\r\n")
    lines.append(b"\r\n")
    return b"".join(lines)


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def has_body(method: str, status: int) -> bool:
    return method != "HEAD" and status >= 200 and status not in NO_BODY_STATUSES


class Exchange:
    """What every request on a caller's connection has: its scope (an ASGI scope, also
    what the routing table, policies and metrics read), its request id, and the head and
    body written back."""

    def __init__(
        self,
        connection: "Connection",
        scope: dict[str, Any],
        request_id: str | None,
        keep_alive: bool,
    ) -> None:
        self.connection = connection
        self.gateway: Gateway = connection.gateway
        self.scope = scope
        self.method: str = scope["method"]
        self.request_id = request_id
        self.keep_alive = keep_alive
        self.started_at = time.perf_counter()
        self.status = 0  # the answer's status, once its head is written
        self.done = False
        self.tasks: set[asyncio.Task[None]] = set()

    # What the connection calls
    def proceed(self) -> None:
        """This exchange is the oldest on its connection: it may answer now."""
        raise NotImplementedError

    def request_body(self, body: bytes) -> None:
        raise NotImplementedError

    def request_end(self) -> None:
        raise NotImplementedError

    def caller_lost(self) -> None:
        raise NotImplementedError

    def upstream_paused(self, paused: bool) -> None:
        """The caller reads slower than the answer comes (True), or caught up (False)."""

    # Answering
    def head(self, status: int, headers: Headers) -> None:
        if self.request_id is not None:  # (the bridge's app writes its own)
            headers.append((b"x-request-id", self.request_id.encode()))
        self.status = status
        self.connection.write(response_head(status, headers, self.keep_alive))

    def answer(self, response: Response) -> None:
        """A whole response of the gateway's own (an error, a 429), then the end."""
        self.head(response.status_code, list(response.raw_headers))
        if has_body(self.method, response.status_code):
            self.connection.write(bytes(response.body))
        self.finish()

    def error(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        """The JSON error every service answers with (common.errors), with this request's id."""
        token = request_id_var.set(self.request_id)
        try:
            response = error_response(status, code, message, headers, **extra)
        finally:
            request_id_var.reset(token)
        self.answer(response)

    def finish(self) -> None:
        if self.done:
            return
        self.done = True
        self.ended()
        self.connection.finished(self)

    def ended(self) -> None:
        """Count the exchange out (metrics, replicas): once, however it ended."""

    def fail(self, exc: BaseException) -> None:
        """An exception in this exchange's code: a JSON 500 if nothing was answered yet,
        and the connection closed either way (what the answer's state is, is unknown)."""
        token = request_id_var.set(self.request_id)
        try:
            logger.error("unhandled error", exc_info=exc)
        finally:
            request_id_var.reset(token)
        self.connection.fail(self)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run `coroutine` as a task of this exchange: an exception in it is `fail`."""
        task = asyncio.get_running_loop().create_task(self._guarded(coroutine))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _guarded(self, coroutine: Coroutine[Any, Any, None]) -> None:
        try:
            await coroutine
        except Exception as exc:
            if self.done:  # answered already: nothing to tell the caller
                logger.error("unhandled error after the answer", exc_info=exc)
            else:
                self.fail(exc)
