"""Rate limits counted in Redis (fixed windows, via the `limits` library).

Per client IP for anonymous calls, per user for authenticated ones, plus tighter buckets
for sign-in, registration and new analyses. If Redis fails the gateway serves anyway
(fail open) and says so in /health, retrying Redis after a short pause rather than paying
a timeout on every request.
"""

import logging
import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from starlette.responses import Response

from common.errors import error_response
from gateway.config import Settings

logger = logging.getLogger(__name__)

PAUSE_AFTER_FAILURE_SECONDS = 5.0


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self.storage = RedisStorage(
            "async+" + settings.redis_url,
            implementation="redispy",
            wrap_exceptions=True,
            key_prefix=settings.rate_limit_key_prefix,
            socket_timeout=0.25,
            socket_connect_timeout=0.25,
        )
        self.strategy = FixedWindowRateLimiter(self.storage)
        self.items: dict[str, RateLimitItem] = {
            "anonymous": parse(settings.rate_limit_anonymous),
            "authenticated": parse(settings.rate_limit_authenticated),
            "login": parse(settings.rate_limit_login),
            "register": parse(settings.rate_limit_register),
            "analyses": parse(settings.rate_limit_analyses),
        }
        self.failing_since: float | None = None
        self._retry_at = 0.0

    @property
    def status(self) -> str:
        if not self.enabled:
            return "disabled"
        return "fail_open" if self.failing_since is not None else "ok"

    async def check(
        self, *, bucket: str | None, client_ip: str, user_id: str | None
    ) -> Response | None:
        """None when the request may pass; otherwise the 429 to send."""
        if not self.enabled or time.monotonic() < self._retry_at:
            return None
        caller = f"user:{user_id}" if user_id else f"ip:{client_ip}"
        checks = [("authenticated" if user_id else "anonymous", caller)]
        if bucket == "analyses":
            checks.append((bucket, caller))
        elif bucket is not None:
            # Sign-in and registration are counted per address: they come before any user.
            checks.append((bucket, f"ip:{client_ip}"))
        try:
            for name, identity in checks:
                item = self.items[name]
                if not await self.strategy.hit(item, name, identity):
                    stats = await self.strategy.get_window_stats(item, name, identity)
                    return _too_many(item, max(1, math.ceil(stats.reset_time - time.time())))
        except StorageError as exc:
            if self.failing_since is None:
                self.failing_since = time.time()
                logger.warning(
                    "rate limiting fails open: redis unavailable (%s)", type(exc).__name__
                )
            self._retry_at = time.monotonic() + PAUSE_AFTER_FAILURE_SECONDS
            return None
        self.failing_since = None
        return None


def _too_many(item: RateLimitItem, retry_after: int) -> Response:
    return error_response(
        429,
        "rate_limited",
        f"Too many requests; retry in {retry_after} s",
        headers={
            "Retry-After": str(retry_after),
            "RateLimit-Limit": str(item.amount),
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(retry_after),
            "RateLimit-Policy": f"{item.amount};w={item.get_expiry()}",
        },
    )
