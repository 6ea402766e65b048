"""X-Request-ID is accepted when sane, created otherwise, echoed, and in every log line."""

import json
import logging

import httpx
import pytest
from fastapi import FastAPI

from common.logging import JsonFormatter
from common.service_layer import ServiceLayer

logger = logging.getLogger("test.request_id")


@pytest.fixture
def records():
    # Formatted at emit time, as the real handler does, while the request is in flight.
    captured: list[str] = []
    formatter = JsonFormatter("test")
    handler = logging.Handler()
    handler.emit = lambda record: captured.append(formatter.format(record))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield captured
    logger.removeHandler(handler)


@pytest.fixture
async def client():
    app = FastAPI()
    app.add_middleware(ServiceLayer, service="test")

    @app.get("/work")
    async def work() -> dict[str, str]:
        logger.info("working")
        return {"ok": "yes"}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_a_callers_id_is_echoed_and_logged(client, records):
    response = await client.get("/work", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    line = json.loads(records[-1])
    assert line["request_id"] == "abc-123"
    assert line["message"] == "working"
    assert line["service"] == "test"


async def test_an_id_is_created_when_missing(client):
    first = (await client.get("/work")).headers["x-request-id"]
    second = (await client.get("/work")).headers["x-request-id"]
    assert len(first) == 32 and first != second


@pytest.mark.parametrize("bad", ["x" * 129, "a b", "evil\u00e9", "<script>"])
async def test_an_unsafe_id_is_replaced(client, bad):
    response = await client.get("/work", headers={"X-Request-ID": bad.encode("utf-8")})
    echoed = response.headers["x-request-id"]
    assert echoed != bad and len(echoed) == 32
