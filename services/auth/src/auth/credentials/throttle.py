"""How much mail one address and one client IP may ask for (forgotten passwords, new
verification links, email changes), counted in Redis so every replica sees one count."""

import hashlib

from redis.asyncio import Redis

from auth.config import Settings
from common.errors import ApiError


class TooManyMails(ApiError):
    status, code, message = 429, "too_many_requests", "Too many mails asked for; try later"


class MailThrottle:
    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.prefix = f"{settings.redis_prefix}mail-requests"
        self.window = settings.mail_window_seconds
        self.address_limit = settings.mail_max_per_address
        self.ip_limit = settings.mail_max_per_ip

    async def _count(self, key: str) -> int:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, self.window, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def check_ip(self, ip: str) -> None:
        """Count a request from `ip`; 429 with Retry-After once it is over the limit."""
        if await self._count(f"{self.prefix}:ip:{ip}") > self.ip_limit:
            raise TooManyMails(headers={"Retry-After": str(self.window)})

    async def allow_address(self, address: str) -> bool:
        """Count a mail to `address`; False once it is over the limit. The caller answers
        the same either way where an answer must not tell whether an account exists."""
        # Hashed: the key outlives a deleted account by up to the window, its address must not.
        digest = hashlib.sha256(address.lower().encode()).hexdigest()
        return await self._count(f"{self.prefix}:address:{digest}") <= self.address_limit
