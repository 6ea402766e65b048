"""Every request leaves a metric and one access log line, never a credential."""

import json
import logging

import pytest

from common.logging import JsonFormatter


@pytest.fixture
def access_lines():
    lines: list[dict] = []
    formatter = JsonFormatter("gateway")
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(json.loads(formatter.format(record)))
    logger = logging.getLogger("access")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


async def test_access_log_has_route_status_duration_and_request_id_but_no_token(
    client, access_lines
):
    await client.get(
        "/posts/echo?secret=1",
        headers={"Authorization": "Bearer top-secret-token", "X-Request-ID": "log-me"},
    )
    line = next(entry for entry in access_lines if entry["request_id"] == "log-me")
    assert line["route"] == "/posts"
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert line["duration_ms"] > 0
    assert "top-secret-token" not in json.dumps(access_lines)
    assert "secret=1" not in json.dumps(access_lines)


async def test_metrics_count_requests_per_route_and_upstream_errors(client):
    await client.get("/posts/echo")
    await client.get("/auth/me")  # auth is down in this fixture
    metrics = (await client.get("/metrics")).text
    assert 'http_requests_total{method="GET",route="/posts",service="gateway",status="200"}' in (
        metrics
    )
    assert 'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/posts"' in (
        metrics
    )
    assert 'gateway_upstream_errors_total{kind="upstream_unavailable",service="auth"}' in metrics
