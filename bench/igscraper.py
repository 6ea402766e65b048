"""One big analysis on the fake Instagram: requests, worker CPU per page, wall time.

    uv run python -m bench.igscraper [--followers 20000] [--following 15000] [--interval 0.1]

(as a module: run as a script, this file would shadow the igscraper package)

An account with 20,000 followers and 15,000 following (8,000 mutual) is analysed twice by
a real `arq` worker process, through the igscraper API (in-process, real Postgres and
Redis from DATABASE_URL / REDIS_URL):

- pacing off: Instagram requests made (against instaloader's 12 users per page), worker
  CPU seconds per page (psutil, user + system), wall time from submit to completed;
- pacing on (a minimum gap of `--interval` s per session, no jitter): wall time against
  the pacing floor, requests x interval, which no paced client can beat.
"""

import argparse
import asyncio
import math
import os
import tempfile
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import psutil
from cryptography.fernet import Fernet

from igscraper.config import Settings
from igscraper.main import create_app
from stack.processes import free_port
from tests.fakes.instagram import FakeInstagram
from tests.support.igscraper_worker import start_worker
from tests.support.token_issuer import TokenIssuer

ISSUER = TokenIssuer()
INSTALOADER_PAGE = 12


async def fresh_database(server: str, name: str) -> str:
    conn = await asyncpg.connect(urlsplit(server)._replace(path="/postgres").geturl())
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
    return urlsplit(server)._replace(scheme="postgresql+asyncpg", path=f"/{name}").geturl()


@asynccontextmanager
async def worker(settings: Settings, log_dir: Path):
    process = start_worker(settings, log_dir / "worker.log", name="bench-worker")
    try:
        yield psutil.Process(process.pid)
    finally:
        process.stop()


async def analyse(
    settings: Settings, fake: FakeInstagram, account: Any, log_dir: Path
) -> dict[str, float]:
    headers = ISSUER.headers(username="bench")
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as api,
        worker(settings, log_dir) as process,
    ):
        await asyncio.sleep(1.0)  # the worker imports and connects
        cpu_before = sum(process.cpu_times()[:2])
        requests_before, pages_before = fake.requests, fake.pages_served
        session_id, csrf = fake.session_for(account)
        started = time.perf_counter()
        submitted = await api.post(
            "/api/ig/analyses",
            json={"session_id": session_id, "csrf_token": csrf},
            headers=headers,
        )
        analysis_id = submitted.json()["id"]
        async with asyncio.timeout(1800):
            while True:
                body = (await api.get(f"/api/ig/analyses/{analysis_id}", headers=headers)).json()
                if body["status"] not in ("queued", "running"):
                    break
                await asyncio.sleep(0.05)
        wall = time.perf_counter() - started
        cpu = sum(process.cpu_times()[:2]) - cpu_before
    assert body["status"] == "completed", body
    pages = fake.pages_served - pages_before
    return {
        "wall_s": wall,
        "requests": fake.requests - requests_before,
        "pages": pages,
        "cpu_ms_per_page": cpu * 1000 / pages,
        "users": body["progress"]["followers_fetched"] + body["progress"]["following_fetched"],
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--followers", type=int, default=20_000)
    parser.add_argument("--following", type=int, default=15_000)
    parser.add_argument("--mutual", type=int, default=8_000)
    parser.add_argument("--interval", type=float, default=0.1)
    args = parser.parse_args()

    fake = FakeInstagram().start()
    account = fake.add_account("bench_target")
    fake.follow_graph(
        account, followers=args.followers, following=args.following, mutual=args.mutual
    )
    jwks_url = await ISSUER.start()
    database_url = await fresh_database(
        os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        "bench_igscraper",
    )
    base = Settings(
        database_url=database_url,
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        jwks_url=jwks_url,
        credentials_key=Fernet.generate_key().decode(),
        instagram_base_url=fake.url,
        media_url=f"http://127.0.0.1:{free_port()}",  # nobody there: avatars are not measured
        worker_poll_delay_seconds=0.05,
        request_budget=0,
        request_jitter_ratio=0,
    )
    with tempfile.TemporaryDirectory() as tmp:
        off = await analyse(
            base.model_copy(
                update={
                    "queue_name": "bench-igscraper-off:queue",
                    "min_request_interval_seconds": 0,
                }
            ),
            fake,
            account,
            Path(tmp),
        )
        on = await analyse(
            base.model_copy(
                update={
                    "queue_name": "bench-igscraper-on:queue",
                    "min_request_interval_seconds": args.interval,
                }
            ),
            fake,
            account,
            Path(tmp),
        )
    await ISSUER.stop()
    fake.stop()

    users = args.followers + args.following
    instaloader = math.ceil(args.followers / INSTALOADER_PAGE) + math.ceil(
        args.following / INSTALOADER_PAGE
    )
    floor = on["requests"] * args.interval
    print(f"account: {args.followers} followers, {args.following} following ({users} users)")
    print(
        f"requests (pacing off): {off['requests']} ({off['pages']} pages) vs instaloader's "
        f"{instaloader} at {INSTALOADER_PAGE} per page: {instaloader / off['requests']:.1f}x fewer"
    )
    print(f"worker CPU per page:    {off['cpu_ms_per_page']:.1f} ms")
    print(f"wall, pacing off:       {off['wall_s']:.2f} s")
    print(
        f"wall, pacing on:        {on['wall_s']:.2f} s vs floor {floor:.2f} s "
        f"({on['requests']} requests x {args.interval} s): {on['wall_s'] / floor:.2f}x the floor"
    )


if __name__ == "__main__":
    asyncio.run(main())
