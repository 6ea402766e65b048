"""X-Request-ID: accepted from the caller when sane, created otherwise, echoed, and logged."""

import re
import uuid
from contextvars import ContextVar

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(value: str | None) -> str:
    """Keep a caller's id only if it cannot smuggle anything into logs or headers."""
    if value and _VALID.match(value):
        return value
    return new_request_id()


async def pass_request_id(request: httpx.Request) -> None:
    """An httpx request hook for service-to-service clients: the call carries the id of
    the request (or job) it is made for, so one id follows it through every service."""
    request_id = request_id_var.get()
    if request_id and HEADER not in request.headers:
        request.headers[HEADER] = request_id


REQUEST_ID_HOOKS = {"request": [pass_request_id]}


class RequestIdMiddleware:
    """Pure ASGI, so it costs one header scan and one context var per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == HEADER.encode()), None
        )
        request_id = accept_request_id(incoming)
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != HEADER.encode()]
                headers.append((HEADER.encode(), request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)
