"""GET /health: runs a service's own dependency checks concurrently, 503 if any fails."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

Check = Callable[[], Awaitable[Any]]


async def _timed(check: Check, budget_s: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check(), budget_s)
    except Exception as exc:
        # The exception type only: messages can carry connection strings.
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


async def run_checks(checks: Mapping[str, Check], budget_s: float = 2.0) -> dict[str, Any]:
    results = await asyncio.gather(*(_timed(c, budget_s) for c in checks.values()))
    named = dict(zip(checks, results, strict=True))
    ok = all(r["status"] == "ok" for r in results)
    return {"status": "ok" if ok else "down", "checks": named}


def health_router(service: str) -> APIRouter:
    """Reads `app.state.health_checks`, filled by the service's lifespan."""
    router = APIRouter(tags=["health"])

    @router.get("/health", include_in_schema=False)
    async def health(request: Request) -> JSONResponse:
        report = await run_checks(request.app.state.health_checks)
        status = 200 if report["status"] == "ok" else 503
        return JSONResponse({"service": service, **report}, status_code=status)

    return router


def redis_check(client: Any) -> Check:
    async def check() -> None:
        await client.ping()

    return check
