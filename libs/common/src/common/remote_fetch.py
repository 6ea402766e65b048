"""The one way any service fetches from the fediverse: URLs anyone on the internet can hand
us (an actor's inbox, an image in a Note), so each is checked before a byte is sent
(https only, public addresses only: no SSRF into our own network), redirects are followed
by hand and checked again, and bodies are cut at a size and JSON at a depth.

`FetchPolicy.allow_private` (FEDERATION_ALLOW_PRIVATE_PEERS) lifts the scheme and address
rules for the test suite and a LAN, where peers are plain http on loopback or private
addresses; the size, type, redirect and depth limits still hold.
"""

import asyncio
import ipaddress
import json
import socket
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from common.errors import ApiError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# NAT64's well-known prefix (RFC 6052): on a network with NAT64, 64:ff9b::7f00:1 reaches
# 127.0.0.1, so the IPv4 address it carries is what must be public.
NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")
# Sent to the first host only: a redirect to another origin must not carry our
# credentials or a signature made for the first URL.
ORIGIN_BOUND_HEADERS = ("authorization", "signature", "cookie")


class RemoteRefused(ApiError):
    """We will not fetch this: a bad scheme, a private address, a blocked domain."""

    status, code, message = 422, "remote_refused", "This remote URL is refused"


class RemoteTooLarge(ApiError):
    status, code, message = 422, "remote_too_large", "The remote answer is larger than allowed"


class RemoteInvalid(RemoteRefused):
    """The remote answered something we refuse to read: not JSON, or nested too deep."""

    code, message = "remote_invalid", "The remote answer is not valid JSON within our limits"


class RemoteFailed(ApiError):
    """The remote is down, answered non-2xx, or answered another type than asked for.
    `upstream_status` is its HTTP status when it answered at all (a 410 tells a caller
    something a timeout does not)."""

    status, code, message = 502, "remote_failed", "The remote server failed to answer"

    def __init__(self, message: str | None = None, *, upstream_status: int | None = None) -> None:
        self.upstream_status = upstream_status
        extra: dict[str, Any] = (
            {} if upstream_status is None else {"upstream_status": upstream_status}
        )
        super().__init__(message, **extra)


@dataclass(frozen=True)
class FetchPolicy:
    allow_private: bool
    max_bytes: int
    # One deadline for the whole fetch, redirects and a trickling body included.
    timeout: float = 10.0


def is_public_address(address: IPAddress) -> bool:
    """Whether `address`, and any IPv4 address it carries (v4-mapped, 6to4, Teredo, NAT64),
    is one of the internet's: not loopback, private, link-local, multicast, reserved,
    unspecified or shared (100.64/10)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in NAT64_PREFIX:
            # Python counts the whole prefix reserved; a DNS64 network answers every
            # IPv4-only host with it, so the address it carries decides.
            return is_public_address(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        teredo = address.teredo
        carried = [address.ipv4_mapped, address.sixtofour, *(teredo or ())]
        if any(inner is not None and not is_public_address(inner) for inner in carried):
            return False
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_private
    )


def _parse(url: str | httpx.URL) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise RemoteRefused("Not a valid URL") from exc
    if not parsed.host:
        raise RemoteRefused("The URL names no host")
    return parsed


async def _resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (an IP literal resolves to itself)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RemoteFailed("The remote host name does not resolve") from exc
    # A link-local IPv6 answer may carry its zone ("fe80::1%eth0"); the zone is no part
    # of the address checked.
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


async def _checked(url: httpx.URL, policy: FetchPolicy) -> IPAddress | None:
    """Check `url` against `policy`; the address to connect to when one must be pinned."""
    allowed = ("http", "https") if policy.allow_private else ("https",)
    if url.scheme not in allowed:
        raise RemoteRefused(f"Only {' or '.join(allowed)} URLs are fetched")
    if policy.allow_private:
        # Any address is allowed, so there is nothing to resolve ahead or to pin.
        return None
    addresses = await _resolve(url.host, url.port or 443)
    if not addresses or not all(is_public_address(a) for a in addresses):
        # All of them: a name with one private address among public ones would be
        # reached through the private one by any client that tries them in turn.
        raise RemoteRefused("The URL's host is not a public internet address")
    return addresses[0]


async def check_url(url: str, policy: FetchPolicy) -> None:
    """Refuse (RemoteRefused) a URL the policy does not let us fetch: https only (http
    too with allow_private), and every address its host resolves to public unless
    allow_private."""
    try:
        async with asyncio.timeout(policy.timeout):
            await _checked(_parse(url), policy)
    except TimeoutError as exc:
        raise RemoteFailed("The remote host name took too long to resolve") from exc


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _pinned(
    url: httpx.URL, address: IPAddress | None, headers: httpx.Headers
) -> tuple[httpx.URL, dict[str, Any]]:
    """The URL to send to and the request's extensions, so that the connection goes to the
    address that was checked.

    DNS rebinding: a name may resolve to a public address when checked and to 127.0.0.1
    a moment later when the client connects. So the request goes to the checked address
    itself, with the name kept where it belongs: the Host header (what the server routes
    by, and what an HTTP signature covers) and TLS's SNI and certificate check
    (httpcore's `sni_hostname`). The connection pool keys connections by address then,
    so `Connection: close` keeps a TLS session made and verified for one name from
    serving another name on the same address (shared front ends such as a CDN's).
    """
    if address is None or url.host == str(address):
        return url, {}
    headers["Host"] = url.netloc.decode("ascii")
    headers["Connection"] = "close"
    return url.copy_with(host=str(address)), {"sni_hostname": url.host}


async def _read_limited(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    # An honest Content-Length over the limit is refused before a byte is read.
    if declared.isdigit() and int(declared) > max_bytes:
        raise RemoteTooLarge(max_bytes=max_bytes)
    body = bytearray()
    # Decoded bytes are counted, so a small gzip that inflates past the limit is cut too.
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise RemoteTooLarge(max_bytes=max_bytes)
    return bytes(body)


async def _fetch(
    client: httpx.AsyncClient,
    method: str,
    url: httpx.URL,
    *,
    policy: FetchPolicy,
    headers: Mapping[str, str] | None,
    content: bytes | None,
    accept_types: Collection[str] | None,
) -> tuple[httpx.Response, bytes]:
    origin = (url.scheme, url.host, url.port)
    for _ in range(MAX_REDIRECTS + 1):
        address = await _checked(url, policy)
        sent_headers = httpx.Headers(headers)
        if (url.scheme, url.host, url.port) != origin:
            for name in ORIGIN_BOUND_HEADERS:
                sent_headers.pop(name, None)
        target, extensions = _pinned(url, address, sent_headers)
        request = client.build_request(
            method,
            target,
            headers=sent_headers,
            content=content,
            timeout=policy.timeout,
            extensions=extensions,
        )
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            location = response.headers.get("location")
            if response.status_code in REDIRECT_STATUSES and location:
                try:
                    url = url.join(location)
                except httpx.InvalidURL as exc:
                    raise RemoteRefused("The remote redirected to an invalid URL") from exc
                # As browsers do: a 303, or a 301/302 after a POST, is followed with a GET.
                if response.status_code == 303 or (
                    response.status_code in (301, 302) and method == "POST"
                ):
                    method, content = "GET", None
                continue
            if not response.is_success:
                raise RemoteFailed(
                    f"The remote answered {response.status_code}",
                    upstream_status=response.status_code,
                )
            if accept_types is not None:
                received = _media_type(response.headers.get("content-type"))
                if received not in {_media_type(t) for t in accept_types}:
                    raise RemoteFailed(f"The remote answered {received or 'no type'}")
            body = await _read_limited(response, policy.max_bytes)
        finally:
            await response.aclose()
        # Callers see the URL they asked for (after redirects), not the pinned address.
        response.request = httpx.Request(method, url, headers=request.headers)
        return response, body
    raise RemoteFailed(f"The remote redirected more than {MAX_REDIRECTS} times")


async def fetch(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    policy: FetchPolicy,
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
    accept_types: Collection[str] | None = None,
) -> tuple[httpx.Response, bytes]:
    """`(response, body)` of `method url`, every hop checked by `check_url`, at most
    MAX_REDIRECTS redirects, the body cut at `policy.max_bytes` (RemoteTooLarge), its
    Content-Type one of `accept_types` when given; RemoteFailed for a network error, a
    timeout or a non-2xx answer."""
    try:
        async with asyncio.timeout(policy.timeout):
            return await _fetch(
                client,
                method,
                _parse(url),
                policy=policy,
                headers=headers,
                content=content,
                accept_types=accept_types,
            )
    except TimeoutError as exc:
        raise RemoteFailed("The remote server took too long to answer") from exc
    except httpx.HTTPError as exc:
        # The URL stays out of the message: it is the remote's, and may carry a token.
        raise RemoteFailed(f"The remote server failed to answer ({type(exc).__name__})") from exc


def _within_depth(value: Any, max_depth: int) -> bool:
    """Whether `value` nests no deeper than `max_depth` arrays and objects (walked with a
    stack of its own, so no depth reaches Python's recursion limit)."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        current, depth = pending.pop()
        if isinstance(current, dict):
            current = list(current.values())
        elif not isinstance(current, list):
            continue
        if depth + 1 > max_depth:
            return False
        pending.extend((item, depth + 1) for item in current)
    return True


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(body: bytes, *, max_depth: int = 32) -> Any:
    """The JSON document in `body`, refused (RemoteInvalid, 422) when it is not strict
    JSON or nests arrays and objects deeper than `max_depth`."""
    try:
        # Python's parser recurses per level: a document deep enough to exhaust the stack
        # is a RecursionError, refused here like any other invalid body.
        value = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise RemoteInvalid("The remote answer is not valid JSON") from exc
    if not _within_depth(value, max_depth):
        raise RemoteInvalid(f"The remote answer nests deeper than {max_depth} levels")
    return value
