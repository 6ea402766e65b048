"""Lifespan part: one Redis client per process, on `app.state.redis`, health-checked."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from common.errors import classifies_outages
from common.health import redis_check

# A refused connection fails at once; these bound a server that accepts and says nothing.
# The read timeout stays above the longest blocking read (the users-stream consumer's).
CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 10.0


@classifies_outages
def redis_outage(exc: BaseException) -> str | None:
    """Redis is down, starting (BusyLoadingError is a ConnectionError) or not answering."""
    return "redis" if isinstance(exc, RedisConnectionError | RedisTimeoutError) else None


@asynccontextmanager
async def redis_client(app: FastAPI, url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=READ_TIMEOUT_SECONDS,
    )
    app.state.redis = client
    app.state.health_checks["redis"] = redis_check(client)
    try:
        yield client
    finally:
        await client.aclose()
