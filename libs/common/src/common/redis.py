"""Lifespan part: one Redis client per process, on `app.state.redis`, health-checked."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis.asyncio import Redis

from common.health import redis_check


@asynccontextmanager
async def redis_client(app: FastAPI, url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(url, decode_responses=True)
    app.state.redis = client
    app.state.health_checks["redis"] = redis_check(client)
    try:
        yield client
    finally:
        await client.aclose()
