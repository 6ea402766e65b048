"""An auth app on real Postgres and Redis, its database fresh for the session."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI

from auth.config import Settings
from auth.main import create_app
from tests.fakes.oauth_providers import OAuthFakes

ENCRYPTION_KEY = Fernet.generate_key().decode()
PASSWORD = "correct-horse-9"
RUN = uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def oauth_fakes() -> Iterator[OAuthFakes]:
    fakes = OAuthFakes().start()
    yield fakes
    fakes.stop()


@pytest.fixture(scope="session")
async def auth_settings(servers, fresh_database, oauth_fakes) -> Settings:
    provider_urls = {
        name.removeprefix("AUTH_").lower(): value for name, value in oauth_fakes.env().items()
    }
    return Settings(
        **provider_urls,
        database_url=await fresh_database("test_auth"),
        redis_url=servers["redis"].url,
        secret_key="test-secret",
        encryption_key=ENCRYPTION_KEY,
        # Apart from every other run on this Redis.
        users_stream=f"test-auth-{RUN}:users",
        deletions_stream=f"test-auth-{RUN}:deletions",
        redis_prefix=f"test-auth-{RUN}:",
        login_max_failures=3,
        login_window_seconds=2,
        refresh_reuse_grace_seconds=5,
        outbox_poll_seconds=0.05,
        frontend_url="http://frontend.test",
        public_url="http://test",
        # The test servers' SMTP sink (stack.mail_sink), read through `mail_dir`.
        smtp_url=servers["mail"].url,
        mail_poll_seconds=0.05,
        mail_retry_max_seconds=0.5,
        mail_max_per_ip=1000,
        revocations_key=f"test-auth-{RUN}:revocations",
    )


@pytest.fixture(scope="session")
def mail_dir(server_settings) -> Path:
    """Where the test servers' SMTP sink keeps what it received (tests/e2e/mailbox.py)."""
    return server_settings.stack_dir.resolve() / "mail"


@pytest.fixture(scope="session")
async def auth_app(auth_settings, client_for) -> AsyncIterator[FastAPI]:
    app = create_app(auth_settings)
    async with client_for(app):
        yield app


@pytest.fixture
async def client(auth_app) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh browser per test: the app in-process at http://test, the fake providers
    over the network, one cookie jar for both."""
    mounts = {"http://test": httpx.ASGITransport(app=auth_app)}
    async with httpx.AsyncClient(mounts=mounts, base_url="http://test") as client:
        yield client


def _unique(prefix: str = "user") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def _bearer(body: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['access_token']}"}


@pytest.fixture
def unique() -> Callable[..., str]:
    """`unique("ann")`: a name no other test uses."""
    return _unique


@pytest.fixture
def bearer() -> Callable[[dict[str, Any]], dict[str, str]]:
    """`bearer(tokens)`: the Authorization header for a token response."""
    return _bearer


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def make_user(client) -> Callable[..., Awaitable[dict[str, Any]]]:
    """`await make_user()`: a new account through the API; the register response body."""

    async def make(http: httpx.AsyncClient | None = None) -> dict[str, Any]:
        name = _unique()
        body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
        response = await (http or client).post("/auth/register", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    return make
