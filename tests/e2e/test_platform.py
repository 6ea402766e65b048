"""The platform as a frontend sees it: one gateway in front of every service."""

import time

import httpx
import pytest

from stack import web
from stack.platform import SERVICES, WORKER, Stack
from stack.processes import wait_for

# A path in each service's area that no endpoint serves: the answer must come from the
# service itself (its 404), not from the gateway (route_not_found).
PROBES = {
    "auth": "/auth/__probe__",
    "social": "/posts/__probe__/__probe__",
    "media": "/media/__probe__/__probe__/__probe__",
    "igscraper": "/api/ig/__probe__/__probe__/__probe__",
    "federation": "/nodeinfo/__probe__",
}


async def test_health_is_green_for_every_service_and_server(gateway):
    response = await gateway.get("/health")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    for name in (*SERVICES, "igscraper_worker"):
        assert body["services"][name]["status"] == "ok", name
    assert body["dependencies"] == {
        "postgres": {"status": "ok"},
        "redis": {"status": "ok"},
        "s3": {"status": "ok"},
    }


@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_answers_through_the_gateway(gateway, service):
    response = await gateway.get(PROBES[service], headers={"X-Request-ID": f"probe-{service}"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"  # the service's own 404, not the gateway's
    assert error["request_id"] == f"probe-{service}"  # the id travelled end to end
    assert response.headers["x-request-id"] == f"probe-{service}"


async def test_the_gateway_creates_a_request_id_the_service_sees(gateway):
    response = await gateway.get(PROBES["social"])
    assert response.json()["error"]["request_id"] == response.headers["x-request-id"]


async def test_cors_preflight_allows_only_the_frontend(gateway, platform: Stack):
    frontend = platform.settings.frontend_url
    ask = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    allowed = await gateway.options("/posts", headers={"Origin": frontend, **ask})
    refused = await gateway.options("/posts", headers={"Origin": "https://evil.example", **ask})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == frontend
    assert "access-control-allow-origin" not in refused.headers


async def test_the_web_app_is_served_at_the_public_url(gateway, platform: Stack):
    assert platform.gateway_url.startswith("http://localhost:")
    page = await gateway.get("/people/someone", headers={"Accept": "text/html"})
    if web.present():  # built by the platform fixture
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-cache"
        assert page.text == (web.DIST / "index.html").read_text()
    else:
        assert page.status_code == 503
        assert "The web app is not built" in page.text


def _down(client: httpx.Client, name: str) -> bool:
    response = client.get("/health")
    return response.status_code == 503 and response.json()["services"][name]["status"] != "ok"


@pytest.mark.parametrize("name", ["media", "auth"])
def test_a_killed_service_turns_health_red_and_its_routes_fail_fast(platform: Stack, name):
    with httpx.Client(base_url=platform.gateway_url, timeout=10) as client:
        platform.processes[name].kill()
        try:
            wait_for(lambda: _down(client, name), timeout=10, what=f"{name} reported down")
            started = time.monotonic()
            response = client.get(PROBES[name])
            assert time.monotonic() - started < 1.0
            assert response.status_code in (502, 503)
            assert response.json()["error"]["service"] == name
        finally:
            platform.restart(name)
        assert client.get("/health").status_code == 200


def test_a_killed_worker_turns_health_red(platform: Stack):
    with httpx.Client(base_url=platform.gateway_url, timeout=10) as client:
        platform.processes[WORKER].kill()
        try:
            # The heartbeat lapses within its interval (5 s) plus ARQ's 1 s grace.
            wait_for(
                lambda: _down(client, "igscraper_worker"), timeout=15, what="worker reported down"
            )
        finally:
            platform.restart(WORKER)
        assert client.get("/health").status_code == 200
