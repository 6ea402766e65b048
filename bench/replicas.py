"""Requests per second on the home feed through the gateway, one social replica against two.

    uv run python -m bench.replicas [--duration 10] [--connections 32]

Needs `wrk` (Debian: apt-get install wrk). Starts the platform as `uv run stack up
--replicas social=2` does (servers from DATABASE_URL / REDIS_URL / S3_ENDPOINT, or started
here), seeds a viewer who follows three authors with twenty posts each, and starts a second
gateway in front of the first social replica only. wrk then drives `GET /feed` with the
viewer's token through each gateway: the same processes, the same data, one replica or two
behind the gateway. On a 2-core machine the gateway, both replicas, Postgres and wrk share
the cores, so the gain is bounded by what the cores have left.
"""

import argparse
import asyncio
import io
import os
import shutil
import sys
import tempfile
from pathlib import Path

import httpx
from PIL import Image

from bench.gateway import wrk
from stack.platform import Stack
from stack.processes import ManagedProcess, free_port, wait_for
from stack.settings import StackSettings

UNLIMITED = {
    f"GATEWAY_RATE_LIMIT_{bucket}": "100000000/minute"
    for bucket in ("ANONYMOUS", "AUTHENTICATED", "LOGIN", "REGISTER", "ANALYSES")
}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buffer, "PNG")
    return buffer.getvalue()


async def seed(gateway: str) -> str:
    """A viewer following three authors of twenty posts each; returns the viewer's token."""
    async with httpx.AsyncClient(base_url=gateway, timeout=60) as client:

        async def account(name: str) -> dict:
            response = await client.post(
                "/auth/register",
                json={"username": name, "email": f"{name}@example.com", "password": "bench-Pa55"},
            )
            response.raise_for_status()
            return response.json()

        suffix = os.urandom(3).hex()
        viewer = await account(f"viewer{suffix}")
        image = _png()
        for n in range(3):
            author = await account(f"author{n}{suffix}")
            headers = {"Authorization": f"Bearer {author['access_token']}"}
            for i in range(20):
                files = {"image": ("p.png", image, "image/png")}
                created = await client.post(
                    "/posts", data={"caption": f"post {i}"}, files=files, headers=headers
                )
                created.raise_for_status()
            followed = await client.post(
                f"/users/{author['user']['id']}/follow",
                headers={"Authorization": f"Bearer {viewer['access_token']}"},
            )
            followed.raise_for_status()
        return viewer["access_token"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved runs per target")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("needs wrk: apt-get install wrk", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    settings = StackSettings(
        stack_dir=work / "stack",
        gateway_port=0,
        log_level="WARNING",
        replicas={"social": 2},
        ready_timeout_seconds=180,
    )
    stack = Stack(settings, extra_env=UNLIMITED)
    one_replica: ManagedProcess | None = None
    try:
        stack.start()
        token = asyncio.run(seed(stack.gateway_url))
        # A second gateway, identical but for seeing only the first social replica.
        port = free_port()
        one_replica = ManagedProcess(
            "gateway-one-social",
            [sys.executable, "-m", "gateway", "--port", str(port)],
            log_path=work / "gateway-one-social.log",
            env=stack.environment()
            | {"GATEWAY_SOCIAL_URL": stack.url("social"), "LOG_LEVEL": "WARNING"},
        )
        one_replica.start()
        wait_for(
            lambda: httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200,
            timeout=60,
            what="gateway with one replica",
            process=one_replica,
        )
        targets = {"1 replica": f"http://127.0.0.1:{port}", "2 replicas": stack.gateway_url}
        header = f"Authorization: Bearer {token}"
        for base in targets.values():  # warm up pools and caches
            wrk(f"{base}/feed", args.connections, 3, (header,), timeout=30)
        # Interleaved rounds, best of each kept: other load on the machine comes and goes.
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, base in targets.items():
                runs[name].append(
                    wrk(f"{base}/feed", args.connections, args.duration, (header,), timeout=30)
                )
        results = {name: max(found, key=lambda r: r["rps"]) for name, found in runs.items()}
        print(
            f"GET /feed through the gateway, wrk -t1 -c{args.connections} -d{args.duration}s,"
            f" best of {args.rounds}"
        )
        print(f"{'social':<11} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        for name, r in results.items():
            print(f"{name:<11} {r['rps']:>8.0f} {r['p50']:>8.2f} {r['p99']:>8.2f}")
        ratio = results["2 replicas"]["rps"] / results["1 replica"]["rps"]
        print(f"2 replicas / 1 replica: {ratio:.2f}")
    finally:
        if one_replica is not None:
            one_replica.stop()
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
