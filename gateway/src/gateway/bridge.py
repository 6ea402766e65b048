"""The gateway's own paths through ASGI: /health, /metrics, /openapi.json, the docs,
/__routes, the web app, and CORS preflights.

A request the routing table does not send to a service (or a preflight, which CORS answers
for every path) runs the gateway's ASGI app (gateway/main.py: CORS around the service
layer around `Gateway.own`) as a task: the scope is the one the connection parsed,
`receive` gives the buffered body, `send` writes bytes. Rare and small next to the proxied
requests, so the ASGI machinery is paid only here.
"""

import asyncio
from typing import TYPE_CHECKING, Any

from starlette.types import Message

from gateway.http11 import Exchange, chunk, has_body

if TYPE_CHECKING:
    from gateway.server import Connection


class BridgeExchange(Exchange):
    def __init__(
        self, connection: "Connection", scope: dict[str, Any], keep_alive: bool, limit: int
    ) -> None:
        super().__init__(connection, scope, None, keep_alive)
        self.limit = limit
        self.body: list[bytes] = []
        self.size = 0
        loop = asyncio.get_running_loop()
        self.complete: asyncio.Future[None] = loop.create_future()
        self.gone: asyncio.Future[None] = loop.create_future()
        self.received = False
        self.chunked = False

    def proceed(self) -> None:
        self.spawn(self.run())

    async def run(self) -> None:
        await self.gateway.app(self.scope, self.receive, self.send)
        if not self.done:  # the app returned without a whole answer
            if self.status:
                self.keep_alive = False
                self.connection.close()
                self.finish()
            else:
                raise RuntimeError("the gateway's app returned without an answer")

    def request_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size > self.limit:  # nothing of ours reads a body this large: not kept
            self.keep_alive = False
            self.body = []
            return
        self.body.append(body)

    def request_end(self) -> None:
        if not self.complete.done():
            self.complete.set_result(None)

    def caller_lost(self) -> None:
        if not self.gone.done():
            self.gone.set_result(None)
        self.done = True

    async def receive(self) -> Message:
        if not self.received:
            await asyncio.wait((self.complete, self.gone), return_when=asyncio.FIRST_COMPLETED)
            if self.complete.done():
                self.received = True
                body, self.body = b"".join(self.body), []
                return {"type": "http.request", "body": body, "more_body": False}
        await self.gone
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if self.done:
            return  # the caller left: the answer goes nowhere
        if message["type"] == "http.response.start":
            status: int = message["status"]
            headers = [(k.lower(), v) for k, v in message.get("headers", [])]
            if has_body(self.method, status) and not any(
                k == b"content-length" for k, _ in headers
            ):
                self.chunked = True
                headers.append((b"transfer-encoding", b"chunked"))
            if self.size > self.limit or not self.complete.done():
                # Answered before its body came whole: the rest is not read as a request.
                self.keep_alive = False
            self.head(status, headers)
        elif message["type"] == "http.response.body":
            body: bytes = message.get("body", b"")
            if body and has_body(self.method, self.status):
                self.connection.write(chunk(body) if self.chunked else body)
            if not message.get("more_body", False):
                if self.chunked:
                    self.connection.write(b"0\r\n\r\n")
                self.finish()
                return
            await self.connection.drain()
