"""The routing table: public path prefix → the service that owns it (docs/api.md)."""

from dataclasses import dataclass

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
}


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

    def match(self, path: str) -> Route | None:
        for route in self.routes:
            # A prefix matches whole segments only: /postsX is not /posts.
            if path == route.prefix or path.startswith(route.prefix + "/"):
                return route
        return None
