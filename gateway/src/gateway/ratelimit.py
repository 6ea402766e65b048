"""Rate limits counted in Redis, so they hold across gateway replicas.

Two tiers, because one Redis round trip per request costs about a quarter of the gateway's
throughput (bench/gateway.py):
- the general per-IP and per-user buckets are counted in memory and added to Redis in one
  pipeline every `rate_limit_sync_seconds` (what Kong's `sync_rate` does); each replica
  sees the others' hits at the next sync, so the overshoot across replicas is bounded by
  one sync interval of traffic;
- the tight buckets (sign-in, registration, new analyses, inbox deliveries) are exact:
  each hit goes to Redis at once, through the `limits` library.
If Redis fails the gateway serves anyway (fail open) and says so in /health, retrying Redis
after a short pause rather than paying a timeout on every request.
"""

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.responses import Response

from common.errors import error_response
from common.loops import BackgroundLoop
from gateway.config import Settings

logger = logging.getLogger(__name__)

PAUSE_AFTER_FAILURE_SECONDS = 5.0


@dataclass
class Window:
    limit: int
    ends_at: float
    synced: int = 0  # the count in Redis, every replica's hits, at the last sync
    pending: int = 0  # this replica's hits since then


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self.prefix = settings.rate_limit_key_prefix
        self.sync_seconds = settings.rate_limit_sync_seconds
        self.redis = Redis.from_url(
            settings.redis_url, socket_timeout=0.25, socket_connect_timeout=0.25
        )
        self.exact = FixedWindowRateLimiter(
            RedisStorage(
                "async+" + settings.redis_url,
                implementation="redispy",
                wrap_exceptions=True,
                key_prefix=self.prefix,
                connection_pool=self.redis.connection_pool,  # one pool for both tiers
            )
        )
        self.items: dict[str, RateLimitItem] = {
            "anonymous": parse(settings.rate_limit_anonymous),
            "authenticated": parse(settings.rate_limit_authenticated),
            "login": parse(settings.rate_limit_login),
            "register": parse(settings.rate_limit_register),
            "analyses": parse(settings.rate_limit_analyses),
            "inbox": parse(settings.rate_limit_inbox),
        }
        self.windows: dict[str, Window] = {}
        self.failing_since: float | None = None
        self._retry_at = 0.0
        self._syncer = BackgroundLoop(
            "rate limit sync",
            self._sync_when_due,
            interval_seconds=self.sync_seconds,
            first_run_after=self.sync_seconds,
        )

    @property
    def status(self) -> str:
        if not self.enabled:
            return "disabled"
        return "fail_open" if self.failing_since is not None else "ok"

    def start(self) -> None:
        if self.enabled:
            self._syncer.start()

    async def stop(self) -> None:
        await self._syncer.stop()
        await self.redis.aclose()

    @property
    def counting(self) -> bool:
        """Whether requests are counted now (enabled, and not pausing after a failure)."""
        return self.enabled and time.monotonic() >= self._retry_at

    async def check(
        self, *, bucket: str | None, client_ip: str, user_id: str | None
    ) -> Response | None:
        """None when the request may pass; otherwise the 429 to send."""
        if not self.counting:
            return None
        refused = self.count_general(client_ip, user_id)
        if refused is not None or bucket is None:
            return refused
        return await self.hit_exact(bucket, client_ip, user_id)

    def count_general(self, client_ip: str, user_id: str | None) -> Response | None:
        """The caller's general bucket, counted in memory (no await): the 429 or None."""
        caller = f"user:{_pseudonym(user_id)}" if user_id else f"ip:{client_ip}"
        return self._count("authenticated" if user_id else "anonymous", caller)

    async def hit_exact(self, bucket: str, client_ip: str, user_id: str | None) -> Response | None:
        """A tight bucket, counted in Redis at once: the 429 or None (fail open)."""
        # Sign-in, registration and inbox deliveries are counted per address: no user of
        # ours makes them.
        if bucket == "analyses" and user_id:
            identity = f"user:{_pseudonym(user_id)}"
        else:
            identity = f"ip:{client_ip}"
        item = self.items[bucket]
        try:
            if await self.exact.hit(item, bucket, identity):
                return None
            stats = await self.exact.get_window_stats(item, bucket, identity)
        except StorageError as exc:
            self._failed(exc)
            return None
        return _too_many(item, max(1, math.ceil(stats.reset_time - time.time())))

    def _count(self, name: str, identity: str) -> Response | None:
        item = self.items[name]
        expiry = item.get_expiry()
        now = time.time()
        start = now - now % expiry  # windows aligned to the clock, the same on every replica
        key = f"{self.prefix}:{name}:{identity}:{int(start)}"
        window = self.windows.get(key)
        if window is None:
            window = self.windows[key] = Window(limit=item.amount, ends_at=start + expiry)
        if window.synced + window.pending >= window.limit:
            return _too_many(item, max(1, math.ceil(window.ends_at - now)))
        window.pending += 1
        return None

    async def _sync_when_due(self) -> None:
        if time.monotonic() >= self._retry_at:
            await self.sync()

    async def sync(self) -> None:
        """Add this replica's pending hits to Redis and learn everyone's totals."""
        now = time.time()
        for key in [k for k, w in self.windows.items() if w.ends_at <= now]:
            del self.windows[key]
        batch = [(key, w, w.pending) for key, w in self.windows.items() if w.pending]
        if not batch:
            return
        pipe = self.redis.pipeline(transaction=False)
        for key, window, pending in batch:
            pipe.incrby(key, pending)
            pipe.expireat(key, math.ceil(window.ends_at) + 1)
        try:
            results = await pipe.execute()
        except (RedisError, OSError) as exc:
            self._failed(exc)
            for _, window, pending in batch:
                window.pending -= pending  # forgiven, not retried: fail open
            return
        for (_, window, pending), total in zip(batch, results[::2], strict=True):
            window.pending -= pending
            window.synced = int(total)
        self.failing_since = None

    def _failed(self, exc: Exception) -> None:
        if self.failing_since is None:
            self.failing_since = time.time()
            logger.warning("rate limits fail open: redis unavailable (%s)", type(exc).__name__)
        self._retry_at = time.monotonic() + PAUSE_AFTER_FAILURE_SECONDS


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


def _pseudonym(user_id: str) -> str:
    """The key a user's counters go under: not their id, so that a deleted account leaves
    no trace in Redis for the minute its windows outlive it."""
    return hashlib.sha256(user_id.encode()).hexdigest()[:24]
