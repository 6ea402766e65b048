"""Request pacing per Instagram session, shared by every worker through Redis.

Two rules, checked and booked atomically in one script: a minimum gap (with jitter)
between two requests of one viewer, and at most `budget` requests per sliding window.
The answer is how long to wait; the caller defers its job by that much instead of sleeping.
"""

import random
import uuid

from redis.asyncio import Redis

# KEYS: [next-allowed-at key, window zset]; ARGV: [gap_ms, window_ms, budget, member].
RESERVE = """
local now_parts = redis.call('TIME')
local now = now_parts[1] * 1000 + math.floor(now_parts[2] / 1000)
local next_at = tonumber(redis.call('GET', KEYS[1]) or '0')
if next_at > now then return next_at - now end
local window, budget = tonumber(ARGV[2]), tonumber(ARGV[3])
if budget > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
  if redis.call('ZCARD', KEYS[2]) >= budget then
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    return math.max(1, tonumber(oldest[2]) + window - now)
  end
  redis.call('ZADD', KEYS[2], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[2], window)
end
local gap = tonumber(ARGV[1])
if gap > 0 then redis.call('SET', KEYS[1], now + gap, 'PX', gap) end
return 0
"""


class Pacer:
    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str,
        min_interval_seconds: float,
        jitter_ratio: float,
        budget: int,
        window_seconds: float,
    ) -> None:
        self.prefix = prefix
        self.min_interval_ms = min_interval_seconds * 1000
        self.jitter_ratio = jitter_ratio
        self.budget = budget
        self.window_ms = int(window_seconds * 1000)
        self.enabled = self.min_interval_ms > 0 or (budget > 0 and self.window_ms > 0)
        self._reserve = redis.register_script(RESERVE)

    async def reserve(self, viewer_id: str) -> float:
        """Book one request for this viewer now (→ 0.0), or say how many seconds to wait."""
        if not self.enabled:
            return 0.0
        # Jitter keeps many sessions from marching in lockstep.
        gap_ms = int(self.min_interval_ms * (1 + random.uniform(0, self.jitter_ratio)))  # noqa: S311
        budget = self.budget if self.window_ms > 0 else 0
        wait_ms = await self._reserve(
            keys=[f"{self.prefix}:pace:{viewer_id}:next", f"{self.prefix}:pace:{viewer_id}:window"],
            args=[gap_ms, self.window_ms, budget, uuid.uuid4().hex],
        )
        return int(wait_ms) / 1000
