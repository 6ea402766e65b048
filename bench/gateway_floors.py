"""The floors for bench/gateway.py: a hello-world answering the small endpoint's bytes.

    python bench/gateway_floors.py --port N           # on httptools + uvloop, as the gateway
    uvicorn --app-dir bench gateway_floors:app ...    # on uvicorn, as the services

What each server does here with no work at all, so the gateway's figures read as a share
of its server's. Imports nothing of the gateway's (bench/gateway.py would shadow it).
"""

import argparse
import asyncio
import time
from email.utils import formatdate

import httptools
import uvloop
from starlette.types import Receive, Scope, Send

HELLO = b'{"id":"01J0000000000000000000","caption":"hello","like_count":3}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(HELLO))]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": HELLO})


class Hello(asyncio.Protocol):
    """The gateway's server without the gateway: the same parser, the same head."""

    def __init__(self) -> None:
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.second = 0
        self.date = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.close()

    def on_message_complete(self) -> None:
        now = int(time.time())
        if now != self.second:
            self.second, self.date = now, formatdate(now, usegmt=True).encode()
        lines = [b"HTTP/1.1 200 OK", b"date: " + self.date, b"server: floor"]
        lines += [name + b": " + value for name, value in HEADERS]
        self.transport.write(b"\r\n".join(lines) + b"\r\n\r\n" + HELLO)
        if not self.parser.should_keep_alive():
            self.transport.close()


async def serve(port: int) -> None:
    await asyncio.get_running_loop().create_server(Hello, "127.0.0.1", port, backlog=2048)
    await asyncio.Event().wait()  # until the bench stops the process


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    uvloop.run(serve(parser.parse_args().port))
