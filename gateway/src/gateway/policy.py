"""What each kind of request may do: body size, upstream timeout, and its rate-limit bucket."""

from dataclasses import dataclass

import aiohttp

from gateway.config import Settings
from gateway.routes import is_inbox


@dataclass(frozen=True)
class Policy:
    body_limit: int
    timeout: aiohttp.ClientTimeout
    # A tighter bucket counted on top of the caller's general one.
    bucket: str | None = None


def _silence_limit(seconds: float) -> aiohttp.ClientTimeout:
    # sock_read, like nginx's proxy_read_timeout: a long download is fine, silence is not.
    return aiohttp.ClientTimeout(total=None, sock_read=seconds)


class Policies:
    def __init__(self, settings: Settings) -> None:
        normal = _silence_limit(settings.upstream_timeout_seconds)
        slow = _silence_limit(settings.slow_timeout_seconds)
        upload = Policy(settings.max_upload_bytes, slow)
        self.default = Policy(settings.max_body_bytes, normal)
        # Remote servers' deliveries: each may make federation fetch the signer's key.
        self.inbox = Policy(settings.max_body_bytes, normal, "inbox")
        self.special = {
            ("POST", "/media"): upload,
            ("POST", "/posts"): upload,
            ("POST", "/api/images"): Policy(settings.max_body_bytes, slow),
        } | {
            ("POST", path): Policy(settings.max_body_bytes, normal, bucket)
            for path, bucket in (
                ("/auth/login", "login"),
                # The other ways to answer a sign-in count with it: a second factor's code,
                # a passkey's signature.
                ("/auth/login/mfa", "login"),
                ("/auth/passkeys/login/verify", "login"),
                ("/auth/register", "register"),
                ("/api/ig/analyses", "analyses"),
            )
        }

    def for_request(self, method: str, path: str) -> Policy:
        if method == "POST" and is_inbox(path):
            return self.inbox
        return self.special.get((method, path.rstrip("/") or "/"), self.default)
