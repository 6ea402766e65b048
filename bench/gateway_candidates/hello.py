"""The floor on uvicorn: a bare ASGI app answering every request with the same small JSON.

What the gateway's own server can do here with no work at all, so the gateway's figures
read as a share of it (bench/gateway.py runs it as uvicorn runs the gateway).
"""

from starlette.types import Receive, Scope, Send

from gateway_candidates.essentials import HELLO

HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(HELLO))]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": HELLO})
