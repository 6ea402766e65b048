"""The per-request work every candidate does, taken from the gateway's own modules.

A candidate that skipped the routing table, the rate limiter or the metrics would look
faster for doing less; so each one calls `Essentials.admit` (routing table, policy, body
limit, the in-memory rate-limit tier) and `forwarded_headers` (hop-by-hop headers out,
X-Forwarded-* and X-Request-ID in), and counts the request in the gateway's Prometheus
metrics, as the gateway's middleware stack does.
"""

import time
from dataclasses import dataclass
from urllib.parse import unquote

from common.observability import LATENCY, REQUESTS
from common.request_id import accept_request_id
from gateway.balancer import ReplicaSet, parse_urls
from gateway.config import Settings
from gateway.policy import Policies, Policy
from gateway.proxy import DROPPED_RESPONSE_HEADERS, HOP_BY_HOP, OWN_HEADERS, declared_length
from gateway.ratelimit import RateLimiter
from gateway.routes import Route, RoutingTable

# Every candidate (and the floors) answers the bench's small endpoint with these bytes.
HELLO = b'{"id":"01J0000000000000000000","caption":"hello","like_count":3}'

__all__ = [
    "DROPPED_RESPONSE_HEADERS",
    "HELLO",
    "Admission",
    "Essentials",
    "forwarded_headers",
    "observe",
]


@dataclass(slots=True)
class Admission:
    """What `admit` decided: where the request goes, or the error to answer instead."""

    route: Route | None
    policy: Policy | None
    request_id: str
    error: tuple[int, bytes] | None = None  # status, JSON body
    retry_after: int | None = None


class Essentials:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.table = RoutingTable()
        self.policies = Policies(settings)
        self.limiter = RateLimiter(settings)
        self.replicas = {
            name: ReplicaSet(parse_urls(urls)) for name, urls in settings.upstreams().items()
        }

    def admit(
        self, method: str, raw_path: bytes, headers: list[tuple[bytes, bytes]], peer: str
    ) -> Admission:
        """Route, policy, body limit and rate limit, as Gateway.__call__ and _refusal do.

        `headers` are lower-cased names, as in an ASGI scope. Only the in-memory rate-limit
        tier is counted here: the bench sends no token and hits no exact bucket (login,
        inbox), which would need Redis, so an await (see docs/operations.md, porting).
        """
        path = unquote(raw_path.decode("latin-1")) if b"%" in raw_path else raw_path.decode()
        incoming = next((v for k, v in headers if k == b"x-request-id"), None)
        request_id = accept_request_id(incoming.decode("latin-1") if incoming else None)
        scope = {"method": method, "path": path, "headers": headers}
        route = self.table.route(scope)
        if route is None:
            return Admission(None, None, request_id, (404, b'{"code":"route_not_found"}'))
        policy = self.policies.for_request(method, path)
        length = declared_length(scope)
        if length is not None and length > policy.body_limit:
            return Admission(route, policy, request_id, (413, b'{"code":"payload_too_large"}'))
        limiter = self.limiter
        if limiter.enabled and time.monotonic() >= limiter._retry_at:
            refused = limiter._count("anonymous", f"ip:{peer}")
            if refused is not None:
                retry_after = int(refused.headers["retry-after"])
                return Admission(
                    route, policy, request_id, (429, b'{"code":"rate_limited"}'), retry_after
                )
        return Admission(route, policy, request_id)


def forwarded_headers(
    headers: list[tuple[bytes, bytes]], peer: str, request_id: str, scheme: str = "http"
) -> list[tuple[bytes, bytes]]:
    """The caller's headers less hop-by-hop and our own, plus X-Forwarded-* and the id
    (gateway.proxy._request_headers, in bytes: no decoding of every header)."""
    drop = HOP_BY_HOP | OWN_HEADERS
    host = b""
    for name, value in headers:
        if name == b"connection":  # the headers it names are hop-by-hop too
            drop = drop | {token.strip().lower() for token in value.split(b",")}
        elif name == b"host":
            host = value
    kept = [(k, v) for k, v in headers if k not in drop]
    kept += [
        (b"x-forwarded-for", peer.encode()),
        (b"x-forwarded-proto", scheme.encode()),
        (b"x-forwarded-host", host),
        (b"x-request-id", request_id.encode()),
    ]
    return kept


def observe(method: str, route: str, status: int, started: float) -> None:
    """The gateway's request counter and latency histogram (ObservabilityMiddleware)."""
    REQUESTS.labels("gateway", method, route, str(status)).inc()
    LATENCY.labels("gateway", method, route).observe(time.perf_counter() - started)
