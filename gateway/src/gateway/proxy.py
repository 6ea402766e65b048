"""Streams a request to its upstream and the answer back, through one pooled aiohttp client.

Bodies are never buffered: the request body is handed to aiohttp as an async iterator and
the response is relayed chunk by chunk as it arrives.
"""

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
from common.errors import error_response
from common.request_id import request_id_var
from starlette.types import Receive, Scope, Send
from yarl import URL

logger = logging.getLogger(__name__)

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


class ClientDisconnected(Exception):
    """The caller went away while its body was being streamed upstream."""


# Set by the gateway itself; a caller's values are replaced (or, for -for, extended).
OWN_HEADERS = frozenset(
    {b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"x-request-id"}
)


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


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return value != b"0"
        if name == b"transfer-encoding":
            return True
    return False


async def _body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        if chunk := message.get("body", b""):
            yield chunk
        if not message.get("more_body", False):
            return


class Proxy:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        upstreams: dict[str, str],
        timeout: float,
        trusted_proxies: frozenset[str] = frozenset(),
    ) -> None:
        self.session = session
        self.trusted_proxies = trusted_proxies
        self.upstreams = {name: URL(base) for name, base in upstreams.items()}
        self.timeout = aiohttp.ClientTimeout(total=None, sock_read=timeout)

    async def __call__(self, scope: Scope, receive: Receive, send: Send, service: str) -> None:
        raw_path = scope.get("raw_path") or scope["path"].encode()
        target = str(self.upstreams[service]) + raw_path.decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        started = False
        try:
            async with self.session.request(
                scope["method"],
                URL(target, encoded=True),
                headers=_request_headers(scope, self.trusted_proxies),
                data=_body(receive) if _has_body(scope) else None,
                allow_redirects=False,
                timeout=self.timeout,
            ) as upstream:
                headers = [
                    (name.lower(), value)
                    for name, value in upstream.raw_headers
                    if name.lower() not in HOP_BY_HOP
                ]
                await send(
                    {"type": "http.response.start", "status": upstream.status, "headers": headers}
                )
                started = True
                async for chunk in upstream.content.iter_any():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except ClientDisconnected:
            return
        except (TimeoutError, aiohttp.ClientError) as exc:
            if started:
                raise  # mid-stream: nothing left to do but drop the connection
            status, code, message = _classify(exc, service)
            logger.warning("upstream %s failed: %s", service, type(exc).__name__)
            await error_response(status, code, message, service=service)(scope, receive, send)


def _classify(exc: BaseException, service: str) -> tuple[int, str, str]:
    if isinstance(exc, aiohttp.ClientConnectorError):
        return 503, "upstream_unavailable", f"The {service} service is unavailable"
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return 504, "upstream_timeout", f"The {service} service did not answer in time"
    return 502, "bad_gateway", f"The {service} service gave an invalid response"
