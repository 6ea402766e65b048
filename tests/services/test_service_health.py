"""Every service's /health really checks its own dependencies, on real servers."""

from collections.abc import Callable
from typing import Any

import pytest

from auth.config import Settings as AuthSettings
from auth.main import create_app as create_auth
from federation.config import Settings as FederationSettings
from federation.main import create_app as create_federation
from igscraper.config import Settings as IgscraperSettings
from igscraper.main import create_app as create_igscraper
from media.config import Settings as MediaSettings
from media.main import create_app as create_media
from social.config import Settings as SocialSettings
from social.main import create_app as create_social
from stack.platform import SERVICES as STACK_SERVICES
from stack.processes import free_port

DEAD_REDIS = f"redis://127.0.0.1:{free_port()}/0"

SERVICES: dict[str, tuple[Callable[..., Any], Callable[..., Any], set[str]]] = {
    "auth": (AuthSettings, create_auth, {"postgres", "redis"}),
    "social": (SocialSettings, create_social, {"postgres", "redis"}),
    "media": (MediaSettings, create_media, {"postgres", "redis", "s3"}),
    "igscraper": (IgscraperSettings, create_igscraper, {"postgres", "redis", "worker"}),
    "federation": (FederationSettings, create_federation, {"postgres", "redis"}),
}


def test_every_service_of_the_stack_is_checked():
    assert set(SERVICES) == set(STACK_SERVICES)


@pytest.fixture
def settings_for(servers, server_settings) -> Callable[..., Any]:
    def build(name: str, database_url: str, redis_url: str | None = None) -> Any:
        settings_class = SERVICES[name][0]
        if name == "media":
            return settings_class(
                database_url=database_url,
                redis_url=redis_url or servers["redis"].url,
                s3_endpoint=servers["s3"].url,
                s3_access_key=server_settings.s3_access_key,
                s3_secret_key=server_settings.s3_secret_key,
                s3_bucket="test-health",
            )
        return settings_class(
            database_url=database_url, redis_url=redis_url or servers["redis"].url
        )

    return build


@pytest.mark.parametrize("name", ["auth", "social", "media", "federation"])
async def test_health_is_ok_when_dependencies_are_up(
    name, fresh_database, client_for, settings_for
):
    url = await fresh_database(f"test_health_{name}")
    app = SERVICES[name][1](settings_for(name, url))
    async with client_for(app) as client:
        response = await client.get("/health")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == SERVICES[name][2]
    assert all(check["status"] == "ok" for check in body["checks"].values())


@pytest.mark.parametrize("name", list(SERVICES))
async def test_health_is_503_naming_a_dead_redis(name, fresh_database, client_for, settings_for):
    url = await fresh_database(f"test_health_{name}")
    app = SERVICES[name][1](settings_for(name, url, DEAD_REDIS))
    async with client_for(app) as client:
        response = await client.get("/health")
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["redis"]["status"] == "down"
    assert body["checks"]["postgres"]["status"] == "ok"
    assert "127.0.0.1" not in response.text  # no connection strings leak


async def test_igscraper_health_needs_a_worker_heartbeat(servers, fresh_database, client_for):
    url = await fresh_database("test_health_igscraper")
    settings = IgscraperSettings(
        database_url=url, redis_url=servers["redis"].url, queue_name="test-health:queue"
    )
    async with client_for(create_igscraper(settings)) as client:
        response = await client.get("/health")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["status"] == "down"
