"""X-Request-ID: accepted from the caller when sane, created otherwise, echoed, and logged."""

import os
import re
from contextvars import ContextVar

import httpx

HEADER = "x-request-id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def new_request_id() -> str:
    # 32 random hex digits, as uuid4().hex gave (but for its version digit), at a fifth of
    # its cost: the gateway makes one for nearly every request it proxies.
    return os.urandom(16).hex()


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
