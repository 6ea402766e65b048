"""Failed-login throttling in Redis, per account and per client IP: a limit of failures,
each of which restarts the window.

Counters live in Redis, so every replica sees the same count.
"""

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

from fastapi import Request
from redis.asyncio import Redis

from auth.config import Settings
from common.errors import ApiError


def client_ip(request: Request, trusted_proxies: Sequence[IPv4Network | IPv6Network]) -> str:
    """The caller's IP: the gateway appends the client it saw as the last X-Forwarded-For hop."""
    peer = request.client.host if request.client else "unknown"
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded and _trusted(peer, trusted_proxies):
        return forwarded.split(",")[-1].strip()
    return peer


def _trusted(peer: str, networks: Sequence[IPv4Network | IPv6Network]) -> bool:
    try:
        address = ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in networks)


class LoginThrottle:
    """Failed passwords by default; `name` and `account_limit` count something else per
    account (second-factor codes: auth.mfa) with the same window and IP limit."""

    def __init__(
        self,
        redis: Redis,
        settings: Settings,
        *,
        name: str = "login-failures",
        account_limit: int | None = None,
    ) -> None:
        self.redis = redis
        self.prefix = f"{settings.redis_prefix}{name}"
        self.window = settings.login_window_seconds
        self.limits = {
            "account": account_limit or settings.login_max_failures,
            "ip": settings.login_ip_max_failures,
        }

    def _keys(self, *, login: str, ip: str) -> dict[str, str]:
        return {
            "account": f"{self.prefix}:account:{login.lower()}",
            "ip": f"{self.prefix}:ip:{ip}",
        }

    async def check(self, *, login: str, ip: str) -> None:
        """Raise 429 with Retry-After while the account or the IP is over its limit."""
        keys = self._keys(login=login, ip=ip)
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in keys.values():
                pipe.get(key)
                pipe.ttl(key)
            results = await pipe.execute()
        for index, scope in enumerate(keys):
            count, ttl = results[2 * index], results[2 * index + 1]
            if count is not None and int(count) >= self.limits[scope]:
                raise ApiError(
                    "Too many failed sign-in attempts; try again later",
                    status=429,
                    code="too_many_attempts",
                    headers={"Retry-After": str(max(int(ttl), 1))},
                )

    async def record_failure(self, *, login: str, ip: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in self._keys(login=login, ip=ip).values():
                # Each failure restarts the window: a steady guesser stays locked out.
                pipe.incr(key)
                pipe.expire(key, self.window)
            await pipe.execute()

    async def reset_account(self, *, login: str) -> None:
        await self.redis.delete(self._keys(login=login, ip="")["account"])
