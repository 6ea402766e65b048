"""Federation delivery bench: a post by an account followed from 1,000 remote inboxes.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/0 uv run python -m bench.federation_delivery

The real federation service runs as a uvicorn process (default settings, but private
peers allowed and a 5 s delivery timeout) on a database of its own in the machine's
PostgreSQL, dropped at the end. This process serves what it talks to: a fake social
answering alice's 1,000 remote followers and her post, and 1,000 fake servers on loopback
ports, each a host of its own with one follower and its inbox; a tenth are down (half
refuse connections, half accept and never answer). Their actors are in federation's
actor cache, as they would be after they followed. One in 20 deliveries has its
signature checked against alice's published key.

It prints: the same 900 live POSTs sent by a bare httpx loop (signed, 16 at once, as the
service's bound) as the baseline; the service's deliveries per second and time until every
live inbox has the post (from the event's POST); the retries scheduled for the dead ones;
and a second post during which the service is killed (SIGKILL) halfway and started again:
every live inbox must end with the post, duplicates counted.
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
from aiohttp import web
from cryptography.fernet import Fernet

from federation.signatures import sign_headers, verify_request
from services.federation.tests.events.test_service import fed_post
from services.federation.tests.remote import new_key, public_pem
from stack.processes import ManagedProcess, free_port, wait_for

TOKEN = "bench-internal-token"
POST_ID = "0190f000-0000-7000-8000-0000000000b1"
SECOND_POST_ID = "0190f000-0000-7000-8000-0000000000b2"


class Remotes:
    """The fake social and the 1,000 fake servers, all served by this process."""

    def __init__(self, count: int, dead: int) -> None:
        self.live_ports = [free_port() for _ in range(count - dead)]
        self.hanging_ports = [free_port() for _ in range(dead // 2)]
        # Never listened on: connections are refused.
        self.refusing_ports = [free_port() for _ in range(dead - dead // 2)]
        self.social_port = free_port()
        # host → the activity ids it received, in order.
        self.received: dict[str, list[str]] = {}
        self.arrivals: list[float] = []
        self.samples: list[tuple[str, dict[str, str], bytes]] = []
        self.runners: list[web.AppRunner] = []
        self.posts = {p: fed_post(id=p, post_id=p) for p in (POST_ID, SECOND_POST_ID)}

    def actor(self, port: int) -> str:
        return f"http://127.0.0.1:{port}/users/f{port}"

    @property
    def all_ports(self) -> list[int]:
        return self.live_ports + self.hanging_ports + self.refusing_ports

    def live_hosts(self) -> set[str]:
        return {f"127.0.0.1:{port}" for port in self.live_ports}

    def have(self, activity_id: str) -> int:
        return sum(1 for ids in self.received.values() if activity_id in ids)

    async def inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        host = request.headers["Host"]
        activity_id = json.loads(body)["id"]
        self.received.setdefault(host, []).append(activity_id)
        self.arrivals.append(time.monotonic())
        # The service's, signed with alice's key (the baseline signs with a key of its own).
        if activity_id != "baseline" and len(self.arrivals) % 20 == 0:
            self.samples.append((request.path_qs, dict(request.headers), body))
        return web.Response(status=202)

    async def hang(self, request: web.Request) -> web.Response:
        await asyncio.Event().wait()
        raise AssertionError("never answered")

    async def social(self, request: web.Request) -> web.Response:
        path = request.path.removeprefix("/internal/federation/")
        if path == "users/alice/remote-followers":
            return web.json_response({"actor_uris": [self.actor(p) for p in self.all_ports]})
        if path.startswith("objects/"):
            return web.json_response(self.posts[path.removeprefix("objects/")])
        if path == "users/alice":
            return web.json_response(
                {
                    "id": "0190f000-0000-7000-8000-000000000001",
                    "username": "alice",
                    "bio": "",
                    "avatar_url": None,
                    "is_private": False,
                    "created_at": "2026-12-01T00:00:00Z",
                    "posts_count": 2,
                    "followers_count": 1000,
                    "following_count": 0,
                }
            )
        return web.json_response({"error": {"code": "not_found"}}, status=404)

    async def _serve(self, handler, ports: list[int], *, method: str, path: str) -> None:
        app = web.Application()
        app.router.add_route(method, path, handler)
        runner = web.AppRunner(app, shutdown_timeout=0.1, access_log=None)
        await runner.setup()
        for port in ports:
            await web.TCPSite(runner, "127.0.0.1", port, backlog=64).start()
        self.runners.append(runner)

    async def start(self) -> None:
        await self._serve(self.inbox, self.live_ports, method="POST", path="/users/{name}/inbox")
        await self._serve(self.hang, self.hanging_ports, method="POST", path="/users/{name}/inbox")
        await self._serve(self.social, [self.social_port], method="GET", path="/{tail:.*}")

    async def stop(self) -> None:
        for runner in self.runners:
            await runner.cleanup()


async def baseline(remotes: Remotes, concurrency: int) -> float:
    """Seconds for a bare httpx loop to send the same signed POST to every live inbox."""
    key = new_key()
    body = json.dumps({"id": "baseline", "type": "Create"}).encode()
    limit = asyncio.Semaphore(concurrency)
    # The service's client limits (federation.main).
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=20)
    async with httpx.AsyncClient(timeout=5, limits=limits) as http:

        async def send(port: int) -> None:
            url = f"http://127.0.0.1:{port}/users/f{port}/inbox"
            async with limit:
                headers = sign_headers("POST", url, key_id="http://b/k", private_key=key, body=body)
                (await http.post(url, content=body, headers=headers)).raise_for_status()

        started = time.monotonic()
        await asyncio.gather(*(send(port) for port in remotes.live_ports))
        return time.monotonic() - started


async def seed_actor_cache(database: str, remotes: Remotes) -> None:
    """The followers' actors as federation cached them when they followed."""
    pem = public_pem(new_key())
    connection = await asyncpg.connect(database)
    try:
        await connection.executemany(
            "INSERT INTO remote_actor (actor_uri, key_id, public_key_pem, inbox, username, host,"
            " fetched_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [
                (
                    remotes.actor(port),
                    f"{remotes.actor(port)}#main-key",
                    pem,
                    f"{remotes.actor(port)}/inbox",
                    f"f{port}",
                    f"127.0.0.1:{port}",
                    datetime.now(UTC),
                )
                for port in remotes.all_ports
            ],
        )
    finally:
        await connection.close()


async def post_event(service: str, post_id: str) -> float:
    """Seconds social's relay would wait for the event's 204."""
    event = {"id": str(uuid.uuid4()), "kind": "post.created"}
    event["payload"] = {"post_id": post_id, "author_username": "alice"}
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=120) as http:
        response = await http.post(
            f"{service}/internal/federation/events",
            json={"events": [event]},
            headers={"X-Internal-Token": TOKEN},
        )
    response.raise_for_status()
    return time.monotonic() - started


async def until(check, *, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise TimeoutError(what)
        await asyncio.sleep(0.01)
    return time.monotonic() - started


async def dead_rows(database: str, remotes: Remotes) -> list[asyncpg.Record]:
    dead = [f"127.0.0.1:{p}" for p in remotes.hanging_ports + remotes.refusing_ports]
    connection = await asyncpg.connect(database)
    try:
        return await connection.fetch(
            "SELECT host, attempts, next_attempt_at, last_error FROM delivery"
            " WHERE host = ANY($1::text[])",
            dead,
        )
    finally:
        await connection.close()


async def run(args: argparse.Namespace, server: str, redis: str) -> None:
    name = f"bench_federation_{os.getpid()}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()
    database = urlsplit(server)._replace(path=f"/{name}").geturl()
    remotes = Remotes(args.followers, args.followers // 10)
    port = free_port()
    service = f"http://127.0.0.1:{port}"
    uvicorn = ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    log = Path(tempfile.mkdtemp(prefix="bench-federation-")) / "federation.log"
    process = ManagedProcess(
        "federation",
        [sys.executable, "-m", "uvicorn", "federation.main:create_app", "--factory", *uvicorn],
        log_path=log,
        env={
            "FEDERATION_DATABASE_URL": database.replace("postgresql://", "postgresql+asyncpg://"),
            "FEDERATION_REDIS_URL": redis,
            "FEDERATION_PUBLIC_URL": "http://fed.bench",
            "FEDERATION_SOCIAL_URL": f"http://127.0.0.1:{remotes.social_port}",
            "FEDERATION_MEDIA_URL": f"http://127.0.0.1:{remotes.social_port}",
            "FEDERATION_INTERNAL_TOKEN": TOKEN,
            "FEDERATION_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "FEDERATION_ALLOW_PRIVATE_PEERS": "true",
            "FEDERATION_DELIVERY_TIMEOUT_SECONDS": "5",
        },
    )

    def healthy() -> bool:
        return httpx.get(f"{service}/health", timeout=1).status_code == 200

    try:
        await remotes.start()
        process.start()
        await asyncio.to_thread(wait_for, healthy, timeout=60, what="federation", process=process)
        await seed_actor_cache(database, remotes)
        live = len(remotes.live_ports)
        print(
            f"{args.followers} followers on {args.followers} hosts: {live} live, "
            f"{len(remotes.hanging_ports)} never answer, {len(remotes.refusing_ports)} refuse"
        )

        bare = await baseline(remotes, concurrency=16)
        print(
            f"baseline  bare httpx, 16 at once: {live} POSTs in {bare:.2f} s = {live / bare:.0f}/s"
        )

        first = f"http://fed.bench/users/alice/statuses/{POST_ID}/activity"
        arrivals_before = len(remotes.arrivals)
        accepted = await post_event(service, POST_ID)
        started = time.monotonic() - accepted
        await until(lambda: remotes.have(first) == live, timeout=300, what="post 1 everywhere")
        took = remotes.arrivals[-1] - started
        sent = len(remotes.arrivals) - arrivals_before
        print(
            f"service   event POST answered in {accepted:.2f} s; every live inbox had the post "
            f"{took:.2f} s after it was sent = {live / took:.0f} deliveries/s "
            f"({bare / took:.2f}x the baseline's rate); {sent} POSTs for {live} inboxes"
        )
        # Asynchronously: the service asks this process's fake social for alice.
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.get(
                f"{service}/users/alice", headers={"Accept": "application/activity+json"}
            )
        person = answer.json()
        for path, headers, body in remotes.samples:
            verify_request(
                "POST",
                path,
                {k.lower(): v for k, v in headers.items()},
                body,
                public_key_pem=person["publicKey"]["publicKeyPem"],
            )
        print(f"          {len(remotes.samples)} sampled signatures verified with alice's key")

        dead = len(remotes.hanging_ports) + len(remotes.refusing_ports)
        waited = await until_async(lambda: _all_attempted(database, remotes, dead), timeout=60)
        rows = await dead_rows(database, remotes)
        now = datetime.now(UTC)
        delays = sorted((r["next_attempt_at"] - now).total_seconds() for r in rows)
        errors = Counter(r["last_error"] for r in rows)
        print(
            f"dead      {len(rows)} rows kept for retry, all attempted {waited:.1f} s after the "
            f"post; next attempt in {delays[0]:.0f}..{delays[-1]:.0f} s; "
            + "; ".join(f"{n}x {e}" for e, n in errors.most_common())
        )

        second = f"http://fed.bench/users/alice/statuses/{SECOND_POST_ID}/activity"
        started = time.monotonic()
        await post_event(service, SECOND_POST_ID)
        await until(lambda: remotes.have(second) >= live // 2, timeout=120, what="half of post 2")
        process.kill()
        had = remotes.have(second)
        process.start()
        await asyncio.to_thread(
            wait_for, healthy, timeout=60, what="federation restart", process=process
        )
        await until(lambda: remotes.have(second) == live, timeout=300, what="post 2 everywhere")
        took = time.monotonic() - started
        copies = Counter(ids.count(second) for ids in remotes.received.values())
        duplicates = sum((n - 1) * hosts for n, hosts in copies.items() if n > 1)
        print(
            f"restart   killed (SIGKILL) with {had}/{live} delivered, started again: "
            f"{remotes.have(second)}/{live} live inboxes have post 2 after {took:.1f} s, "
            f"{duplicates} duplicate copies"
        )
    finally:
        process.stop()
        await remotes.stop()
        admin = await asyncpg.connect(server)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _all_attempted(database: str, remotes: Remotes, dead: int) -> bool:
    rows = await dead_rows(database, remotes)
    return len(rows) == dead and all(r["attempts"] >= 1 for r in rows)


async def until_async(check, *, timeout: float) -> float:
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > timeout:
            raise TimeoutError("the dead servers' rows were not all attempted")
        await asyncio.sleep(0.2)
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--followers", type=int, default=1000)
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL")
    redis = os.environ.get("REDIS_URL")
    if not server or not redis:
        print("set DATABASE_URL (a server's postgres database) and REDIS_URL", file=sys.stderr)
        return 2
    asyncio.run(run(args, server, redis))
    return 0


if __name__ == "__main__":
    sys.exit(main())
