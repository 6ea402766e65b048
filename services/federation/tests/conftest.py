"""federation on real Postgres and Redis, with a stand-in for social's internal federation
API (the contract in fed-design.md) serving one public and one private user."""

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web
from cryptography.fernet import Fernet

from federation.config import Settings
from federation.main import create_app
from stack.processes import free_port

INTERNAL_TOKEN = "internal-test-token"
PUBLIC_URL = "http://fed.test"

USERS = {
    "alice": {
        "id": "0190f000-0000-7000-8000-000000000001",
        "username": "alice",
        "bio": "Photos & things",
        "avatar_url": None,
        "is_private": False,
        "created_at": "2026-12-01T00:00:00Z",
        "posts_count": 1,
        "followers_count": 2,
        "following_count": 0,
    },
    "bob": {
        "id": "0190f000-0000-7000-8000-000000000002",
        "username": "bob",
        "bio": "",
        "avatar_url": None,
        "is_private": True,
        "created_at": "2026-12-01T00:00:00Z",
        "posts_count": 0,
        "followers_count": 1,
        "following_count": 0,
    },
}


@dataclass
class SocialStandIn:
    port: int = field(default_factory=free_port)
    calls: list[tuple[str, str, Any]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def user(self, request: web.Request) -> web.Response:
        user = USERS.get(request.match_info["username"])
        if user is None:
            return web.json_response({"error": {"code": "profile_not_found"}}, status=404)
        return web.json_response(user)

    async def stats(self, _: web.Request) -> web.Response:
        return web.json_response({"users": 2, "posts": 1})


@pytest.fixture(scope="session")
async def social() -> AsyncIterator[SocialStandIn]:
    stand_in = SocialStandIn()
    app = web.Application()
    app.router.add_get("/internal/federation/users/{username}", stand_in.user)
    app.router.add_get("/internal/federation/stats", stand_in.stats)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", stand_in.port).start()
    yield stand_in
    await runner.cleanup()


@pytest.fixture(scope="session")
async def settings(servers, fresh_database, social) -> Settings:
    return Settings(
        database_url=await fresh_database(f"test_federation_{os.getpid()}"),
        redis_url=servers["redis"].url,
        public_url=PUBLIC_URL,
        social_url=social.url,
        media_url=social.url,
        internal_token=INTERNAL_TOKEN,
        encryption_key=Fernet.generate_key().decode(),
        allow_private_peers=True,
    )


@pytest.fixture(scope="session")
async def client(settings, client_for) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(create_app(settings)) as client:
        yield client
