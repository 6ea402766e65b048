"""The routing table: public path prefix → the service that owns it (docs/api.md), and the
content negotiation that sends ActivityPub's requests for /users/... to federation."""

from dataclasses import dataclass

from starlette.types import Scope

from gateway.headers import header, qualities

# Longest prefix wins, so /users/me/profile (auth) beats /users (social).
ROUTES: dict[str, str] = {
    "/auth": "auth",
    "/oauth": "auth",
    # The Mastodon client API: its OAuth side (auth.apps).
    "/api/v1/apps": "auth",
    "/.well-known/oauth-authorization-server": "auth",
    # ... and what social serves of it (social.mastodon).
    "/api/v1/instance": "social",
    "/api/v2/instance": "social",
    "/api/v1/accounts": "social",
    "/api/v1/timelines": "social",
    "/api/v1/statuses": "social",
    "/api/v1/notifications": "social",
    "/api/v2/search": "social",
    "/api/v1/media": "media",
    "/api/v2/media": "media",
    "/users/me/profile": "auth",
    "/users": "social",
    "/posts": "social",
    "/feed": "social",
    "/comments": "social",
    "/notifications": "social",
    "/tags": "social",
    "/media": "media",
    "/api/images": "media",
    "/api/ig": "igscraper",
    # ActivityPub: discovery, the shared inbox and the instance's own actor. A user's actor
    # and collections live under /users, negotiated below.
    "/.well-known/webfinger": "federation",
    "/.well-known/nodeinfo": "federation",
    "/nodeinfo": "federation",
    "/inbox": "federation",
    "/actor": "federation",
}

# Social's API and each user's ActivityPub documents share these URLs (an actor's id is
# BASE/users/{username}, as Mastodon and Pixelfed have it): what the caller accepts decides.
NEGOTIATED_PREFIX = "/users"
FEDERATION = "federation"
ACTIVITY_TYPES = frozenset({"application/activity+json", "application/ld+json"})


@dataclass(frozen=True)
class Route:
    prefix: str
    service: str


class RoutingTable:
    def __init__(self, routes: dict[str, str] = ROUTES) -> None:
        self.routes = sorted(
            (Route(prefix, service) for prefix, service in routes.items()),
            key=lambda r: len(r.prefix),
            reverse=True,
        )

        self.by_prefix = {route.prefix: route for route in self.routes}
        self.federated = Route(NEGOTIATED_PREFIX, FEDERATION)

    def match(self, path: str) -> Route | None:
        # A prefix matches whole segments only (/postsX is not /posts), the longest first:
        # the path, then the path less its last segment, ... (a dict lookup each).
        candidate = path
        while True:
            route = self.by_prefix.get(candidate)
            if route is not None:
                return route
            cut = candidate.rfind("/")
            if cut <= 0:
                return None
            candidate = candidate[:cut]

    def route(self, scope: Scope) -> Route | None:
        """Where a request goes: by its path, and under /users by what it asks for."""
        route = self.match(scope["path"])
        if route is not None and route.prefix == NEGOTIATED_PREFIX and _for_federation(scope):
            return self.federated
        return route

    def serves(self, service: str, path: str) -> bool:
        """Whether requests for `path` can reach `service` (federation's under /users by
        negotiation): the paths of its OpenAPI document the gateway publishes."""
        route = self.match(path)
        if route is None:
            return False
        negotiated = route.prefix == NEGOTIATED_PREFIX and service == FEDERATION
        return route.service == service or negotiated


def is_inbox(path: str) -> bool:
    """The shared inbox or a user's: where remote servers POST their activities."""
    if path == "/inbox":
        return True
    return path.startswith("/users/") and path.endswith("/inbox") and path.count("/") == 3


def _for_federation(scope: Scope) -> bool:
    """An ActivityPub request for /users/...: a delivery to a user's inbox, a fetch that
    accepts ActivityStreams JSON, or a browser opening an actor's URL (`/users/{username}`
    itself, text/html preferred), which federation redirects to the web app's profile."""
    method, path = scope["method"], scope["path"]
    if method == "POST" and is_inbox(path):
        return True
    accept = header(scope, b"accept")
    if "json" not in accept and "html" not in accept:
        return False  # the common API call: no parsing
    ranges = qualities(accept)
    if any(name in ACTIVITY_TYPES for name, _ in ranges):
        return True
    actor = path.count("/") == 2 and len(path) > len(NEGOTIATED_PREFIX) + 1
    return method in ("GET", "HEAD") and actor and _prefers_html(ranges)


def _prefers_html(ranges: list[tuple[str, float]]) -> bool:
    """text/html is the first of the types the caller likes best (a browser's navigation,
    not an API client's `*/*` or `application/json`)."""
    if not ranges:
        return False
    best = max(quality for _, quality in ranges)
    return next(name for name, quality in ranges if quality == best) == "text/html"
