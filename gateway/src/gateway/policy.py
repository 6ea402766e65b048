"""What each kind of request may do: body size, upstream timeout, and its rate-limit bucket."""

from dataclasses import dataclass

from gateway.config import Settings


@dataclass(frozen=True)
class Policy:
    body_limit: int
    timeout_seconds: float
    # A tighter bucket counted on top of the caller's general one.
    bucket: str | None = None


class Policies:
    def __init__(self, settings: Settings) -> None:
        self.default = Policy(settings.max_body_bytes, settings.upstream_timeout_seconds)
        self.upload = Policy(settings.max_upload_bytes, settings.slow_timeout_seconds)
        self.slow = Policy(settings.max_body_bytes, settings.slow_timeout_seconds)
        self.special = {
            ("POST", "/media"): self.upload,
            ("POST", "/posts"): self.upload,
            ("POST", "/api/images"): self.slow,
            ("POST", "/auth/login"): Policy(
                settings.max_body_bytes, settings.upstream_timeout_seconds, "login"
            ),
            ("POST", "/auth/register"): Policy(
                settings.max_body_bytes, settings.upstream_timeout_seconds, "register"
            ),
            ("POST", "/api/ig/analyses"): Policy(
                settings.max_body_bytes, settings.upstream_timeout_seconds, "analyses"
            ),
        }

    def for_request(self, method: str, path: str) -> Policy:
        return self.special.get((method, path.rstrip("/") or "/"), self.default)
