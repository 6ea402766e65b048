"""Social on real Postgres and Redis: one app (migrated once) per run, tokens minted here.

auth is played by a JWKS endpoint serving a key this file signs with, so a test user is
just a fresh UUIDv7 and a token. Tests stay independent by using users of their own.
"""

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from common.ids import new_id
from social.config import Settings
from social.main import create_app
from social.posts import repository as posts
from social.posts import service as posts_service
from social.profiles import repository as profiles
from stack.processes import free_port
from tests.support.servers import RunningServer

MEDIA_PORT = free_port()
# The service credential social's media deletion relay sends and this run's media accepts.
INTERNAL_TOKEN = SecretStr(f"test-internal-{uuid.uuid4().hex}")


@pytest.fixture
def token(token_issuer) -> Callable[..., str]:
    """`token(user_id, username, **claims)`: an access token as auth would sign it."""

    def token(user_id: uuid.UUID, username: str, **claims: object) -> str:
        return token_issuer.token(str(user_id), username, **claims)

    return token


@pytest.fixture(scope="session")
async def settings(servers, fresh_database, token_issuer) -> Settings:
    return Settings(
        database_url=await fresh_database("test_social"),
        redis_url=servers["redis"].url,
        jwks_url=token_issuer.jwks_url,
        auth_url=token_issuer.url,
        public_url="http://gateway.test",
        users_stream=f"test-social-users-{os.getpid()}",
        deletions_stream=f"test-social-deletions-{os.getpid()}",
        # The real media service listens here once a test asks for the `media` fixture.
        media_url=f"http://127.0.0.1:{MEDIA_PORT}",
        internal_token=INTERNAL_TOKEN,
        # The relay retries within a test's patience, not a production back-off.
        media_deletion_relay_interval_seconds=0.1,
        media_deletion_retry_base_seconds=0.1,
        media_deletion_retry_max_seconds=0.5,
    )


@pytest.fixture(scope="session")
async def media(media_settings) -> AsyncIterator[str]:
    """The real media service on its port (real S3, own database); yields its URL."""
    from media.main import create_app as create_media

    media_app = create_media(
        await media_settings(
            "test_social_media", public_url="http://gateway.test", internal_token=INTERNAL_TOKEN
        )
    )
    async with RunningServer(media_app, port=MEDIA_PORT) as url:
        yield url


@pytest.fixture(scope="session")
async def social(settings, client_for) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings)
    async with client_for(app) as client:
        yield app, client


@pytest.fixture
def app(social) -> FastAPI:
    return social[0]


@pytest.fixture
def client(social) -> httpx.AsyncClient:
    return social[1]


@dataclass(frozen=True)
class User:
    id: uuid.UUID
    username: str
    headers: dict[str, str]


@pytest.fixture
def user(users_on, client) -> Callable[..., Awaitable[User]]:
    """`await user()`: a new signed-in user whose profile exists (made by a first request);
    `await user("Ann")` names it."""
    return users_on(client)


@pytest.fixture
def users_on(token) -> Callable[[httpx.AsyncClient], Callable[..., Awaitable[User]]]:
    """`users_on(client)`: `user` for the app of a test's own client."""
    return lambda client: _user_maker(client, token)


def _user_maker(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> Callable[..., Awaitable[User]]:
    async def make(username: str | None = None) -> User:
        user_id = new_id()
        username = username or f"u{user_id.hex[-12:]}"
        headers = {"Authorization": f"Bearer {token(user_id, username)}"}
        response = await client.get(f"/users/{user_id}", headers=headers)
        assert response.status_code == 200, response.text
        return User(user_id, username, headers)

    return make


@pytest.fixture
def post_by(app) -> Callable[..., Awaitable[uuid.UUID]]:
    """`await post_by(user)`: a post stored as POST /posts would store it, with a media id
    that media never saw (for tests that are not about images)."""

    async def make(author: User, caption: str = "") -> uuid.UUID:
        async with app.state.sessionmaker() as session, session.begin():
            post = await posts.create(
                session, author_id=author.id, media_id=uuid.uuid4(), caption=caption
            )
            await profiles.add_posts_count(session, user_id=author.id, delta=1)
        return post.id

    return make


@pytest.fixture
def captioned(app) -> Callable[..., Awaitable[str]]:
    """`await captioned(user, "#tag @name")`: a post stored as POST /posts stores it, its
    caption read for tags and mentions; its id as the API shows it."""

    async def make(author: User, caption: str) -> str:
        async with app.state.sessionmaker() as session, session.begin():
            post = await posts.create(
                session, author_id=author.id, media_id=uuid.uuid4(), caption=caption
            )
            await profiles.add_posts_count(session, user_id=author.id, delta=1)
            await posts_service.caption_changed(session=session, post=post)
        return str(post.id)

    return make
