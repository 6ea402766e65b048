"""Gateway overhead, measured against nginx and against no proxy at all, in one run.

    uv run python bench/gateway.py [--duration 10] [--targets gateway nginx ...]

Needs `wrk` and `nginx` (Debian: apt-get install wrk nginx-light) and Redis (REDIS_URL, or
a redis-server the stack can start). One backend (FastAPI on uvicorn, as the services run)
serves a small JSON endpoint and one that awaits ~5 ms; wrk drives it directly, through
nginx as a plain keep-alive reverse proxy, and through our gateway (`python -m gateway`,
one process each, rate limits counted as in production), at saturation (c=32) and at low
load (c=4).

Also the floors (bench/gateway_floors.py), a hello-world answering the small endpoint's
bytes: `floor-httptools` on the gateway's server (httptools on uvloop) and
`floor-uvicorn` on the services' one; what Python does here with no work.
"""

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx

from stack.processes import ManagedProcess, free_port, wait_for
from stack.servers import start_redis
from stack.settings import StackSettings

ENDPOINTS = {"small": "/posts/bench-small", "slow": "/posts/bench-slow"}
LOADS = (32, 4)
PROXIES = ("nginx", "gateway")
# The gateway's floor: the hello-world on the server it runs on.
FLOOR_OF = {"gateway": "floor-httptools"}
FLOORS = ("floor-httptools", "floor-uvicorn")
TARGETS = ("direct", *PROXIES, *FLOORS)
BENCH_DIR = Path(__file__).resolve().parent


def backend_app():
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/posts/bench-small")
    async def small() -> dict[str, object]:
        return {"id": "01J0000000000000000000", "caption": "hello", "like_count": 3}

    @app.get("/posts/bench-slow")
    async def slow() -> dict[str, object]:
        await asyncio.sleep(0.005)
        return {"id": "01J0000000000000000000", "caption": "hello", "like_count": 3}

    return app


def nginx_config(work: Path, listen: int, backend: int) -> Path:
    config = work / "nginx.conf"
    config.write_text(
        textwrap.dedent(
            f"""
            worker_processes 1;
            pid {work}/nginx.pid;
            error_log {work}/nginx-error.log warn;
            events {{ worker_connections 1024; }}
            http {{
                access_log off;
                client_body_temp_path {work}/body;
                proxy_temp_path {work}/proxy;
                fastcgi_temp_path {work}/fastcgi;
                uwsgi_temp_path {work}/uwsgi;
                scgi_temp_path {work}/scgi;
                upstream backend {{ server 127.0.0.1:{backend}; keepalive 64; }}
                server {{
                    listen 127.0.0.1:{listen};
                    location / {{
                        proxy_pass http://backend;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header Host $host;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    }}
                }}
            }}
            """
        )
    )
    return config


def wrk(
    url: str, connections: int, seconds: int, headers: tuple[str, ...] = (), timeout: int = 2
) -> dict[str, float]:
    """Requests per second and p50/p99 latency in ms, from wrk --latency (a request slower
    than `timeout` seconds is not counted)."""
    extra = [arg for header in headers for arg in ("-H", header)] + [f"--timeout={timeout}s"]
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", *extra, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def latency(percentile: str) -> float:
        value, suffix = re.search(rf"{percentile}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * unit[suffix]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} failed responses\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"rps": rps, "p50": latency("50"), "p99": latency("99")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument(
        "--targets", nargs="+", choices=TARGETS, default=TARGETS, help="what to measure"
    )
    parser.add_argument("--serve-backend", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_backend:
        import uvicorn

        uvicorn.run(backend_app(), port=args.serve_backend, log_level="warning", access_log=False)
        return 0
    missing = [tool for tool in ("wrk", "nginx") if shutil.which(tool) is None]
    if missing:
        print(f"needs {', '.join(missing)}: apt-get install wrk nginx-light", file=sys.stderr)
        return 2

    print(f"load average at the start: {_load()}")
    work = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    processes: list[ManagedProcess] = []
    settings = StackSettings()
    redis = None if settings.redis_url else start_redis(work)
    redis_url = settings.redis_url or redis.url
    # The backend always runs: every proxy is in front of it.
    targets = ["direct", *(t for t in TARGETS if t in args.targets and t != "direct")]
    ports = {target: free_port() for target in targets}
    bin_dir = Path(sys.executable).parent
    uvicorn_flags = ["--no-access-log", "--no-proxy-headers", "--log-level", "warning"]
    commands = {
        "direct": [sys.executable, __file__, "--serve-backend", str(ports["direct"])],
        "nginx": [
            "nginx", "-p", str(work), "-g", "daemon off;",
            "-c", str(nginx_config(work, ports["nginx"], ports["direct"])),
        ],
        "gateway": [
            sys.executable, "-m", "gateway", "--port", str(ports.get("gateway")),
        ],
        "floor-httptools": [
            sys.executable, str(BENCH_DIR / "gateway_floors.py"),
            "--port", str(ports.get("floor-httptools")),
        ],
        "floor-uvicorn": [
            str(bin_dir / "uvicorn"), "--app-dir", str(BENCH_DIR), "gateway_floors:app",
            "--port", str(ports.get("floor-uvicorn")), *uvicorn_flags,
        ],
    }  # fmt: skip
    gateway_env = {
        "GATEWAY_SOCIAL_URL": f"http://127.0.0.1:{ports['direct']}",
        "GATEWAY_REDIS_URL": redis_url,
        "GATEWAY_RATE_LIMIT_ANONYMOUS": "100000000/minute",
        "GATEWAY_RATE_LIMIT_KEY_PREFIX": f"bench:{time.time()}",
        "LOG_LEVEL": "WARNING",
    }
    try:
        for name in targets:
            process = ManagedProcess(
                name,
                commands[name],
                log_path=work / f"{name}.log",
                env=gateway_env if name in PROXIES else None,
            )
            process.start()
            processes.append(process)
            url = f"http://127.0.0.1:{ports[name]}{ENDPOINTS['small']}"
            wait_for(lambda url=url: _answers(url), timeout=30, what=name, process=process)

        results: dict[tuple[str, str, int], dict[str, float]] = {}
        for endpoint, path in ENDPOINTS.items():
            for connections in LOADS:
                for target, port in ports.items():
                    if target in FLOORS and endpoint != "small":
                        continue  # a hello-world does not await: it floors the small one
                    url = f"http://127.0.0.1:{port}{path}"
                    wrk(url, connections, 2)  # warm up pools and caches
                    results[(endpoint, target, connections)] = wrk(url, connections, args.duration)
        print(f"load average at the end: {_load()}")
        report(results)
    finally:
        for process in reversed(processes):
            process.stop()
        if redis:
            redis.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def report(results: dict[tuple[str, str, int], dict[str, float]]) -> None:
    """Each run, then each path against nginx and against its server's floor."""
    print(f"{'endpoint':<8} {'c':>3} {'target':<16} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for (endpoint, target, connections), r in results.items():
        print(
            f"{endpoint:<8} {connections:>3} {target:<16} {r['rps']:>9.0f} "
            f"{r['p50']:>8.2f} {r['p99']:>8.2f}"
        )
    print()
    print(
        f"{'endpoint':<8} {'c':>3} {'path':<10} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'×nginx':>7} {'×floor':>7} {'p50 over nginx':>15} {'p99 over nginx':>15}"
    )
    for endpoint in ENDPOINTS:
        for connections in LOADS:
            nginx = results.get((endpoint, "nginx", connections))
            for path in PROXIES[1:]:
                r = results.get((endpoint, path, connections))
                if r is None:
                    continue
                floor = results.get(("small", FLOOR_OF[path], connections))
                # The floor answers without a backend: a ratio only for the small endpoint.
                to_floor = f"{r['rps'] / floor['rps']:.2f}" if floor and endpoint == "small" else ""
                to_nginx = f"{r['rps'] / nginx['rps']:.2f}" if nginx else ""
                p50 = f"{r['p50'] - nginx['p50']:+.2f} ms" if nginx else ""
                p99 = f"{r['p99'] - nginx['p99']:+.2f} ms" if nginx else ""
                print(
                    f"{endpoint:<8} {connections:>3} {path:<10} {r['rps']:>9.0f} "
                    f"{r['p50']:>7.2f} {r['p99']:>7.2f} {to_nginx:>7} {to_floor:>7} "
                    f"{p50:>15} {p99:>15}"
                )


if __name__ == "__main__":
    sys.exit(main())
