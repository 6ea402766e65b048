"""An auth app on real Postgres and Redis, its database fresh for the session."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI

from auth.config import Settings
from auth.main import create_app

ENCRYPTION_KEY = Fernet.generate_key().decode()


@pytest.fixture(scope="session")
async def auth_settings(servers, fresh_database) -> Settings:
    return Settings(
        database_url=await fresh_database("test_auth"),
        redis_url=servers["redis"].url,
        secret_key="test-secret",
        encryption_key=ENCRYPTION_KEY,
        users_stream="test-auth:users",
        login_max_failures=3,
        login_window_seconds=2,
        refresh_reuse_grace_seconds=1,
        outbox_poll_seconds=0.05,
        frontend_url="http://frontend.test",
        public_url="http://test",
    )


@pytest.fixture(scope="session")
async def auth_app(auth_settings, client_for) -> AsyncIterator[FastAPI]:
    app = create_app(auth_settings)
    async with client_for(app) as client:
        app.state.test_client = client
        yield app


@pytest.fixture
async def client(auth_app) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh cookie jar per test, on the session's app."""
    transport = httpx.ASGITransport(app=auth_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


_counter = iter(range(1_000_000))


def unique(prefix: str = "user") -> str:
    return f"{prefix}{next(_counter)}_{id(object()) % 10_000}"


async def register(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """A new account through the API; returns the register response body."""
    name = overrides.pop("username", None) or unique()
    body = {"username": name, "email": f"{name}@example.com", "password": "correct-horse-9"}
    response = await client.post("/auth/register", json=body | overrides)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def make_user(client):
    async def make(**overrides: Any) -> dict[str, Any]:
        return await register(client, **overrides)

    return make
