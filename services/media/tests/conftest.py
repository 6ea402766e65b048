"""The media service on real Postgres and S3, with tokens from the shared test issuer."""

import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from media.main import create_app
from tests.fakes.ai_service import FakeAiService
from tests.support.servers import RunningServer
from tests.support.token_issuer import TokenIssuer

INTERNAL_TOKEN = "test-internal-token"
MiB = 1024 * 1024


@pytest.fixture(scope="session")
def ai_service() -> AsyncIterator[FakeAiService]:
    fake = FakeAiService().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
async def social(servers, token_issuer, fresh_database) -> AsyncIterator[tuple[FastAPI, str]]:
    """The real social service on a port: media asks it whether a post shows an image."""
    from social.config import Settings as SocialSettings
    from social.main import create_app as create_social

    app = create_social(
        SocialSettings(
            database_url=await fresh_database("test_media_social"),
            redis_url=servers["redis"].url,
            jwks_url=token_issuer.jwks_url,
            auth_url=token_issuer.url,
            users_stream=f"test-media-social-users-{uuid.uuid4().hex}",
            deletions_stream=f"test-media-social-deletions-{uuid.uuid4().hex}",
            internal_token=INTERNAL_TOKEN,
        )
    )
    async with RunningServer(app) as url:
        yield app, url


@pytest.fixture(scope="session")
async def media_app(media_settings, ai_service, client_for, social):
    settings = await media_settings(
        "test_media",
        social_url=social[1],
        public_url="http://media.test",
        internal_token=INTERNAL_TOKEN,
        max_upload_bytes=1 * MiB,
        quota_bytes=3 * MiB,
        ai_service_url=ai_service.url,
        ai_timeout_seconds=1.0,
        avatar_fetch_timeout_seconds=2.0,
        avatar_max_bytes=256 * 1024,
        # Remote media come from fake servers on loopback, over plain http.
        federation_allow_private_peers=True,
    )
    app = create_app(settings)
    async with client_for(app) as client:
        app.state.test_client = client
        yield app


@pytest.fixture
def client(media_app) -> httpx.AsyncClient:
    return media_app.state.test_client


@pytest.fixture
def token_for(token_issuer: TokenIssuer) -> Callable[..., dict[str, str]]:
    """`headers = token_for(user_id)`: an Authorization header as auth would issue it."""
    return token_issuer.headers


@pytest.fixture
def user(token_for) -> tuple[str, dict[str, str]]:
    """A new user for this test: (id, auth headers)."""
    user_id = str(uuid.uuid4())
    return user_id, token_for(user_id)


@pytest.fixture
def internal() -> dict[str, str]:
    return {"X-Internal-Token": INTERNAL_TOKEN}


@pytest.fixture
def stored_keys(media_app) -> Callable[[str], list[str]]:
    """`stored_keys(prefix)`: what really is in the bucket under `prefix`."""

    def keys(prefix: str) -> list[str]:
        objects = media_app.state.objects
        listing = objects.client.list_objects(objects.bucket, prefix=prefix, recursive=True)
        return sorted(o.object_name for o in listing)

    return keys


@pytest.fixture
def social_app(social) -> FastAPI:
    return social[0]
