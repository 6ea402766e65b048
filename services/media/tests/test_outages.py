"""S3 down or hung: uploads and reads are 503 `s3_unavailable` within S3's own timeouts,
and /health still answers within its budget (S3 calls have threads of their own)."""

import asyncio
import time
import uuid
from urllib.parse import urlsplit

import pytest

from media.config import Settings
from media.main import create_app
from services.media.tests.factories import png
from services.media.tests.fakes.instagram_cdn import running_cdn
from tests.support.outage_proxy import OutageProxy


@pytest.fixture
async def s3_behind_proxy(servers, server_settings, token_issuer, fresh_database, client_for):
    target = urlsplit(servers["s3"].url)
    proxy = OutageProxy(target.hostname or "127.0.0.1", target.port or 0)
    await proxy.start()
    settings = Settings(
        database_url=await fresh_database("test_media_outages"),
        s3_endpoint=f"http://127.0.0.1:{proxy.port}",
        s3_access_key=server_settings.s3_access_key,
        s3_secret_key=server_settings.s3_secret_key,
        s3_bucket="test-media-outages",
        jwks_url=token_issuer.jwks_url,
        s3_connect_timeout_seconds=0.5,
        s3_read_timeout_seconds=2.0,
        s3_retries=0,
        s3_workers=2,
        s3_deadline_seconds=4.0,
        internal_token="test-outages-internal-token",
        federation_allow_private_peers=True,
    )
    async with client_for(create_app(settings)) as client:
        yield client, proxy
    await proxy.stop()


async def _upload(client, headers, color: str):
    files = {"file": ("a.png", png(color=color), "image/png")}
    started = time.perf_counter()
    response = await client.post("/media", files=files, headers=headers)
    return response, time.perf_counter() - started


async def test_a_hung_s3_is_a_503_in_seconds_and_health_still_answers(s3_behind_proxy, user):
    client, proxy = s3_behind_proxy
    _, headers = user
    proxy.freeze()
    # More uploads than S3 threads: the ones queued for a thread give up at the deadline too.
    answers = [await _upload(client, headers, color) for color in ("red", "blue", "white")]
    for response, elapsed in answers:
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "s3_unavailable"
        assert response.headers["retry-after"]
        assert elapsed < 6
    started = time.perf_counter()
    health = await client.get("/health")
    assert time.perf_counter() - started < 3
    assert health.status_code == 503
    assert health.json()["checks"]["s3"]["status"] == "down"
    assert health.json()["checks"]["postgres"]["status"] == "ok"

    await proxy.restore()
    # Threads still waiting out their read timeouts finish first.
    async with asyncio.timeout(10):
        while (await client.get("/health")).status_code != 200:  # noqa: ASYNC110 (polling S3)
            await asyncio.sleep(0.2)
    response, _ = await _upload(client, headers, "green")
    assert response.status_code == 201, response.text


async def test_a_refused_s3_is_a_503_at_once(s3_behind_proxy, user):
    client, proxy = s3_behind_proxy
    _, headers = user
    await proxy.cut()
    response, elapsed = await _upload(client, headers, "black")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "s3_unavailable"
    assert elapsed < 1
    await proxy.restore()


async def test_a_remote_image_is_a_503_while_s3_is_down(s3_behind_proxy):
    client, proxy = s3_behind_proxy
    await proxy.cut()
    async with running_cdn() as remote:
        remote.files["a.png"] = (200, "image/png", png())
        response = await client.post(
            "/internal/remote-media",
            headers={"X-Internal-Token": "test-outages-internal-token"},
            json={"url": remote.url("a.png"), "owner_id": str(uuid.uuid4())},
        )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "s3_unavailable"
