"""federation on real Postgres and Redis, with a stand-in for social's internal federation
API (the contract in fed-design.md) serving one public and one private user, and for
media's remote-media; both record what they are asked. Remote servers are
`remote.FakeServer`s, made by the `remote` fixture."""

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web
from cryptography.fernet import Fernet
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.config import Settings
from federation.main import create_app
from services.federation.tests.remote import FakeServer
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


@dataclass(frozen=True)
class Call:
    """One write federation made to social or media: its JSON body or query parameters."""

    method: str
    path: str
    data: dict[str, Any]


@dataclass
class SocialStandIn:
    port: int = field(default_factory=free_port)
    calls: list[Call] = field(default_factory=list)
    # username → the remote followers' actor ids; object id → its FedPost.
    remote_followers: dict[str, list[str]] = field(default_factory=dict)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def called(self, method: str, path: str, **data: Any) -> list[Call]:
        """The calls of `method path` whose body or query holds these values."""
        return [
            call
            for call in self.calls
            if (call.method, call.path) == (method, path)
            and all(call.data.get(k) == v for k, v in data.items())
        ]

    async def user(self, request: web.Request) -> web.Response:
        user = USERS.get(request.match_info["username"])
        if user is None:
            return web.json_response({"error": {"code": "profile_not_found"}}, status=404)
        return web.json_response(user)

    async def stats(self, _: web.Request) -> web.Response:
        return web.json_response({"users": 2, "posts": 1})

    async def followers(self, request: web.Request) -> web.Response:
        actor_uris = self.remote_followers.get(request.match_info["username"], [])
        return web.json_response({"actor_uris": actor_uris})

    async def page(self, request: web.Request) -> web.Response:
        """An empty page of posts, followers or following, and social's 400 for a cursor it
        never gave out (any but `c1`)."""
        if request.query.get("cursor", "c1") != "c1":
            return web.json_response({"error": {"code": "invalid_cursor"}}, status=400)
        return web.json_response({"items": [], "next_cursor": None})

    async def object(self, request: web.Request) -> web.Response:
        found = self.objects.get(request.match_info["id"])
        if found is None:
            return web.json_response({"error": {"code": "object_not_found"}}, status=404)
        return web.json_response(found)

    async def write(self, request: web.Request) -> web.Response:
        """Any write: recorded, answered as social or media would."""
        data = await request.json() if request.can_read_body else dict(request.query)
        self.calls.append(Call(request.method, request.path, data))
        path = request.path.removeprefix("/internal/federation/")
        if (request.method, path) == ("PUT", "remote-accounts"):
            return web.json_response({"id": str(uuid.uuid5(uuid.NAMESPACE_URL, data["actor_uri"]))})
        if (request.method, path) == ("PUT", "remote-objects"):
            if not data["images"] and not data["in_reply_to"]:
                return web.json_response({"error": {"code": "no_images"}}, status=422)
            return web.json_response({"kind": "post", "id": str(uuid.uuid4())})
        if (request.method, path) == ("POST", "follows"):
            user = USERS.get(data["username"])
            if user is None:
                return web.json_response({"error": {"code": "profile_not_found"}}, status=404)
            return web.json_response({"state": "pending" if user["is_private"] else "accepted"})
        if request.path == "/internal/remote-media":
            # A 640x480 image per URL, as media would answer after fetching it.
            media_id = str(uuid.uuid5(uuid.NAMESPACE_URL, data["url"]))
            return web.json_response(
                {
                    "id": media_id,
                    "width": 640,
                    "height": 480,
                    "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
                    "media_type": "image/jpeg",
                },
                status=201,
            )
        return web.Response(status=204)


@pytest.fixture(scope="session")
async def social() -> AsyncIterator[SocialStandIn]:
    stand_in = SocialStandIn()
    app = web.Application()
    base = "/internal/federation"
    app.router.add_get(f"{base}/users/{{username}}", stand_in.user)
    app.router.add_get(f"{base}/users/{{username}}/remote-followers", stand_in.followers)
    for listing in ("posts", "followers", "following"):
        app.router.add_get(f"{base}/users/{{username}}/{listing}", stand_in.page)
    app.router.add_get(f"{base}/objects/{{id}}", stand_in.object)
    app.router.add_get(f"{base}/stats", stand_in.stats)
    for write in ("remote-accounts", "remote-objects", "follows", "follow-answers", "likes"):
        for method in ("PUT", "POST", "DELETE"):
            app.router.add_route(method, f"{base}/{write}", stand_in.write)
    app.router.add_post("/internal/remote-media", stand_in.write)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", stand_in.port).start()
    yield stand_in
    await runner.cleanup()


@pytest.fixture(scope="session")
async def settings(servers, fresh_database, social) -> AsyncIterator[Settings]:
    # Per process, so two runs on one server keep apart; dropped at the end, so none piles up.
    name = f"test_federation_{os.getpid()}"
    yield Settings(
        database_url=await fresh_database(name),
        redis_url=servers["redis"].url,
        public_url=PUBLIC_URL,
        social_url=social.url,
        media_url=social.url,
        internal_token=INTERNAL_TOKEN,
        encryption_key=Fernet.generate_key().decode(),
        allow_private_peers=True,
        # The loops poll often and remotes time out soon, so tests wait for little.
        inbox_interval_seconds=0.05,
        delivery_interval_seconds=0.05,
        delivery_timeout_seconds=2.0,
        fetch_timeout_seconds=2.0,
        inbox_rate_limit=30,
        inbox_key_fetch_limit=10,
    )
    await fresh_database(name)


@pytest.fixture(scope="session")
def app(settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture(scope="session")
async def client(app, client_for) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client


@pytest.fixture
def db(app, client) -> async_sessionmaker[AsyncSession]:
    """The app's sessionmaker: tests read and arrange rows the loops work on."""
    sessionmaker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    return sessionmaker


@pytest.fixture
async def remote() -> AsyncIterator[Callable[..., Awaitable[FakeServer]]]:
    """`await remote(...)`: a started FakeServer, stopped after the test."""
    started: list[FakeServer] = []

    async def start(**options: Any) -> FakeServer:
        server = await FakeServer(**options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.stop()
