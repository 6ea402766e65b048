"""GET /health for the whole platform: every service's own health, and the servers behind them."""

import asyncio
import time
from typing import Any

import aiohttp

from common.health import run_checks
from gateway.balancer import parse_urls

# Which service reports which shared server, and under what name.
DEPENDENCIES = ("postgres", "redis", "s3")


async def _service_health(
    session: aiohttp.ClientSession, base_url: str, timeout: float
) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        async with session.get(
            f"{base_url}/health", timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return {"status": "down", "error": type(exc).__name__, "checks": {}}
    latency = round((time.perf_counter() - started) * 1000, 2)
    checks = body.get("checks", {}) if isinstance(body, dict) else {}
    status = "ok" if response.status == 200 else "down"
    return {"status": status, "latency_ms": latency, "checks": checks}


async def _replicas_health(
    session: aiohttp.ClientSession, setting: str, timeout: float
) -> dict[str, Any]:
    """A service with replicas is up while one of them is; each one's status is listed."""
    urls = parse_urls(setting)
    reports = await asyncio.gather(*(_service_health(session, url, timeout) for url in urls))
    if len(reports) == 1:
        return reports[0]
    up = [r for r in reports if r["status"] == "ok"]
    report = dict((up or reports)[0])
    report["status"] = "ok" if up else "down"
    report["replicas"] = {url: r["status"] for url, r in zip(urls, reports, strict=True)}
    return report


async def platform_health(
    session: aiohttp.ClientSession,
    upstreams: dict[str, str],
    own_checks: dict[str, Any],
    timeout: float,
) -> tuple[bool, dict[str, Any]]:
    names = list(upstreams)
    reports, own = await asyncio.gather(
        asyncio.gather(*(_replicas_health(session, upstreams[n], timeout) for n in names)),
        run_checks(own_checks, timeout),
    )
    services = dict(zip(names, reports, strict=True))
    # The worker has no HTTP port: igscraper reports its heartbeat.
    worker = services["igscraper"]["checks"].get("worker")
    services["igscraper_worker"] = worker or {"status": "unknown"}

    dependencies: dict[str, Any] = {}
    for dep in DEPENDENCIES:
        seen = [r["checks"][dep] for r in reports if dep in r["checks"]]
        seen += [own["checks"][dep]] if dep in own["checks"] else []
        down = [c for c in seen if c.get("status") != "ok"]
        dependencies[dep] = {"status": "unknown" if not seen else "down" if down else "ok"}
    ok = all(s["status"] == "ok" for s in services.values()) and all(
        d["status"] == "ok" for d in dependencies.values()
    )
    return ok, {
        "status": "ok" if ok else "down",
        "services": services,
        "dependencies": dependencies,
    }
