"""Social with federation on: the same database as the other tests, a second app whose
federation URL points at a small fake of the federation service that records the events
social sends (and can be down), and answers account lookups."""

import io
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from PIL import Image

from social.main import create_app
from social.posts import repository as posts
from social.posts import service as posts_service
from social.profiles import repository as profiles
from tests.support.servers import RunningServer


@dataclass
class FakeFederation:
    """What federation was told, and whether it is up."""

    events: list[dict[str, Any]] = field(default_factory=list)
    # acct → profile id, as federation would have stored it in social.
    accounts: dict[str, str] = field(default_factory=dict)
    down: bool = False
    url: str = ""

    def of(self, kind: str, **payload: object) -> list[dict[str, Any]]:
        """The events of a kind whose payload holds these values."""
        return [
            event
            for event in self.events
            if event["kind"] == kind
            and all(event["payload"].get(k) == v for k, v in payload.items())
        ]


def fake_federation_app(state: FakeFederation) -> FastAPI:
    app = FastAPI()

    @app.post("/internal/federation/events")
    async def events(request: Request) -> Response:
        if state.down:
            return Response(status_code=503)
        state.events.extend((await request.json())["events"])
        return Response(status_code=204)

    @app.get("/internal/federation/lookup")
    async def lookup(acct: str) -> Response:
        if state.down:
            return Response(status_code=503)
        if acct not in state.accounts:
            return Response(status_code=404)
        return Response(f'{{"id": "{state.accounts[acct]}"}}', media_type="application/json")

    return app


@pytest.fixture(scope="session")
async def federation() -> AsyncIterator[FakeFederation]:
    state = FakeFederation()
    async with RunningServer(fake_federation_app(state)) as url:
        state.url = url
        yield state


@pytest.fixture(autouse=True)
def federation_up(federation: FakeFederation) -> None:
    federation.down = False


@pytest.fixture(scope="session")
async def fed_social(
    settings, federation, client_for, media
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    fed_settings = settings.model_copy(
        update={
            "federation_url": federation.url,
            # Retries within a test's patience.
            "federation_relay_interval_seconds": 0.1,
            "federation_retry_base_seconds": 0.2,
            "federation_retry_max_seconds": 0.5,
            # The other app's media deletion relay serves this database: this one's would
            # take rows its tests mean to see failing (media down for that app only).
            "media_deletion_relay_interval_seconds": 3600.0,
        }
    )
    app = create_app(fed_settings)
    async with client_for(app) as client:
        yield app, client


@pytest.fixture
def fed_app(fed_social) -> FastAPI:
    return fed_social[0]


@pytest.fixture
def fed(fed_social) -> httpx.AsyncClient:
    return fed_social[1]


@pytest.fixture
def internal(fed_app) -> dict[str, str]:
    return {"X-Internal-Token": fed_app.state.settings.internal_token.get_secret_value()}


@dataclass(frozen=True)
class Remote:
    id: uuid.UUID
    username: str
    actor_uri: str
    token: str


@pytest.fixture
def local(fed, users_on) -> Callable[..., Awaitable[Any]]:
    """`await local(private=False)`: a signed-in local user of the federating app."""
    make_user = users_on(fed)

    async def make(*, private: bool = False) -> Any:
        made = await make_user()
        if private:
            response = await fed.patch("/users/me", json={"is_private": True}, headers=made.headers)
            assert response.status_code == 200, response.text
        return made

    return make


@pytest.fixture
def remote(fed, internal, token) -> Callable[..., Awaitable[Remote]]:
    """`await remote()`: a remote account, stored as federation stores one."""

    async def make(*, manually_approves: bool = False) -> Remote:
        name = f"r{uuid.uuid4().hex[:10]}"
        actor_uri = f"https://remote.example/users/{name}"
        body = {
            "actor_uri": actor_uri,
            "username": f"{name}@remote.example",
            "name": name.title(),
            "bio": "Photos from elsewhere",
            "manually_approves": manually_approves,
        }
        stored = await fed.put("/internal/federation/remote-accounts", json=body, headers=internal)
        assert stored.status_code == 200, stored.text
        profile_id = uuid.UUID(stored.json()["id"])
        return Remote(profile_id, body["username"], actor_uri, token(profile_id, name))

    return make


@pytest.fixture
def remote_media(media) -> Callable[..., Awaitable[dict[str, Any]]]:
    """`await remote_media(account, color)`: an image media holds for a remote account
    (as POST /internal/remote-media would leave it), as a remote object's image."""

    async def make(account: Remote, color: str, alt: str = "") -> dict[str, Any]:
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), color).save(buffer, "PNG")
        async with httpx.AsyncClient(base_url=media) as http:
            uploaded = await http.post(
                "/media",
                params={"pending": "true"},
                files={"file": ("remote.png", buffer.getvalue(), "image/png")},
                headers={"Authorization": f"Bearer {account.token}"},
            )
        assert uploaded.status_code == 201, uploaded.text
        body = uploaded.json()
        return {
            "media_id": body["id"],
            "alt": alt,
            "width": body["width"],
            "height": body["height"],
            "blurhash": body["blurhash"],
            "media_type": body["content_type"],
        }

    return make


@pytest.fixture
def post_by_fed(fed_app) -> Callable[..., Awaitable[uuid.UUID]]:
    """`await post_by_fed(user, caption)`: a local post stored as POST /posts stores it
    (tags and mentions read), with a media id media never saw."""

    async def make(author: Any, caption: str = "") -> uuid.UUID:
        async with fed_app.state.sessionmaker() as session, session.begin():
            post = await posts.create(
                session, author_id=author.id, media_id=uuid.uuid4(), caption=caption
            )
            await profiles.add_posts_count(session, user_id=author.id, delta=1)
            await posts_service.caption_changed(session=session, post=post)
        return post.id

    return make
