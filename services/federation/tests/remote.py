"""Fake fediverse servers for the tests: each a small aiohttp app on a loopback port of its
own, so to federation a host of its own (`127.0.0.1:PORT`). It serves actors with real
RSA keys (and Notes), signs what its actors send us as Mastodon does, and records what
arrives in its inboxes and how often its actors were fetched."""

import asyncio
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from federation.signatures import sign_headers
from stack.processes import free_port
from tests.support.polling import eventually

# Federation's public URL in the tests (conftest's settings): what remote servers sign for.
FEDERATION = "http://fed.test"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def new_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@dataclass(frozen=True)
class Received:
    """One POST to an inbox, as the remote server saw it."""

    path: str
    headers: Mapping[str, str]
    body: bytes

    @property
    def activity(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document


@dataclass
class FakeServer:
    address: str = "127.0.0.1"
    # Whether its actors name a shared inbox (Mastodon's and Pixelfed's do).
    shared_inbox: bool = True
    # The answer to an inbox POST; `hang` never answers one, nor a fetch of an actor.
    inbox_status: int = 202
    hang: bool = False
    # Seconds an inbox takes to answer: a send still in flight when its sender stops.
    delay: float = 0.0
    port: int = field(default_factory=free_port)
    keys: dict[str, RSAPrivateKey] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    actor_fetches: Counter[str] = field(default_factory=Counter)
    # Per actor, properties its document leaves out (not every server sends them all).
    left_out: dict[str, set[str]] = field(default_factory=dict)
    _runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        return f"http://{self.address}:{self.port}"

    @property
    def host(self) -> str:
        return f"{self.address}:{self.port}"

    def actor(self, name: str) -> str:
        return f"{self.base}/users/{name}"

    def key_id(self, name: str) -> str:
        return f"{self.actor(name)}#main-key"

    def add_actor(
        self, name: str, *, key: RSAPrivateKey | None = None, without: set[str] | None = None
    ) -> str:
        """A new actor `name`, whose document lacks the properties named in `without`."""
        self.keys[name] = key or new_key()
        self.left_out[name] = without or set()
        return self.actor(name)

    def actor_document(self, name: str) -> dict[str, Any]:
        actor = self.actor(name)
        document: dict[str, Any] = {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": actor,
            "type": "Person",
            "preferredUsername": name,
            "name": name.title(),
            "summary": f"<p>{name} on a fake server</p>",
            "inbox": f"{actor}/inbox",
            "publicKey": {
                "id": self.key_id(name),
                "owner": actor,
                "publicKeyPem": public_pem(self.keys[name]),
            },
        }
        if self.shared_inbox:
            document["endpoints"] = {"sharedInbox": f"{self.base}/inbox"}
        return {k: v for k, v in document.items() if k not in self.left_out.get(name, set())}

    def inbox_of(self, name: str) -> str:
        return f"{self.base}/inbox" if self.shared_inbox else f"{self.actor(name)}/inbox"

    def sign(
        self,
        activity: dict[str, Any],
        *,
        name: str,
        path: str = "/inbox",
        key: RSAPrivateKey | None = None,
        now: datetime | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers `name` sends to federation's `path`, as Mastodon signs them."""
        body = json.dumps(activity).encode()
        headers = sign_headers(
            "POST",
            f"{FEDERATION}{path}",
            key_id=self.key_id(name),
            private_key=key or self.keys[name],
            body=body,
            now=now,
        )
        return body, headers | {"Content-Type": "application/activity+json"}

    async def deliver(
        self, client: httpx.AsyncClient, activity: dict[str, Any], *, name: str
    ) -> httpx.Response:
        """POST `activity` of `name`, signed, to federation's shared inbox."""
        body, headers = self.sign(activity, name=name)
        return await client.post("/inbox", content=body, headers=headers)

    # What it received.
    def of_type(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.activity.get("type") == kind]

    async def wait_for(self, kind: str, *, count: int = 1, timeout: float = 5.0) -> list[Received]:
        async def arrived() -> list[Received] | None:
            found = self.of_type(kind)
            return found if len(found) >= count else None

        return await eventually(arrived, timeout=timeout, interval=0.02)

    # The server.
    async def _get_actor(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if self.hang:
            await asyncio.Event().wait()
        if name not in self.keys:
            return web.json_response({"error": "gone"}, status=404)
        self.actor_fetches[name] += 1
        return web.json_response(
            self.actor_document(name), content_type="application/activity+json"
        )

    async def _get_document(self, request: web.Request) -> web.Response:
        document = self.documents.get(request.path)
        if document is None:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response(document, content_type="application/activity+json")

    async def _inbox(self, request: web.Request) -> web.Response:
        received = Received(
            path=request.path_qs,
            headers={name.lower(): value for name, value in request.headers.items()},
            body=await request.read(),
        )
        self.received.append(received)
        if self.hang:
            await asyncio.Event().wait()
        await asyncio.sleep(self.delay)
        return web.Response(status=self.inbox_status)

    async def start(self) -> "FakeServer":
        app = web.Application()
        app.router.add_get("/users/{name}", self._get_actor)
        app.router.add_get("/notes/{id}", self._get_document)
        app.router.add_post("/inbox", self._inbox)
        app.router.add_post("/users/{name}/inbox", self._inbox)
        # A hanging request is cut at once on stop, not waited for.
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.address, self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
