"""The native servers really work, keep their data, and leave no process behind."""

import io
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
import psutil
import pytest
import redis
from minio import Minio
from minio.error import S3Error

from stack.processes import ManagedProcess, port_open, wait_for
from stack.servers import Server, start_postgres, start_redis, start_s3

ACCESS_KEY = "stack-test"
SECRET_KEY = "stack-test-secret"
TAKEN_PORTS = {5432, 6379, 9000}  # system servers may listen there: never reuse them


def _port(server: Server) -> int:
    port = urlsplit(server.url).port
    assert port is not None
    return port


def _group(pgid: int) -> list[psutil.Process]:
    """Live (non-zombie) processes of a process group."""
    members = []
    for proc in psutil.process_iter(["status"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                members.append(proc)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return members


def stop_and_assert_gone(server: Server) -> None:
    """Stop the server; then none of its processes may remain and its port is closed."""
    assert server.process is not None and server.process.pid is not None
    pid = server.process.pid
    leader = psutil.Process(pid)
    family = [leader, *leader.children(recursive=True)]
    server.process.stop()
    server.process.stop()  # idempotent
    assert not server.process.alive()
    wait_for(
        lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in family),
        timeout=5,
        what=f"{server.name} processes gone",
    )
    assert _group(pid) == []
    assert pid not in {child.pid for child in psutil.Process().children(recursive=True)}
    assert not port_open(_port(server))


# --- servers ----------------------------------------------------------------------------


async def test_postgres_works_keeps_data_and_stops_cleanly(tmp_path: Path) -> None:
    # A deep directory: the Unix socket cannot live in pgdata (107-byte path limit).
    data_dir = tmp_path / ("deep" * 20)
    server = start_postgres(data_dir)
    try:
        assert _port(server) not in TAKEN_PORTS
        assert server.url.startswith("postgresql://postgres@127.0.0.1:")
        if os.geteuid() == 0:  # postgres refuses root, so it runs as a system user
            assert psutil.Process(server.process.pid).username() != "root"
        conn = await asyncpg.connect(server.url)
        try:
            await conn.execute("CREATE DATABASE stack_test")
        finally:
            await conn.close()
        app_url = server.url.rsplit("/", 1)[0] + "/stack_test"
        conn = await asyncpg.connect(app_url)
        try:
            await conn.execute("CREATE TABLE t (v text)")
            await conn.execute("INSERT INTO t VALUES ('kept')")
            assert await conn.fetchval("SELECT v FROM t") == "kept"
        finally:
            await conn.close()
    finally:
        stop_and_assert_gone(server)
    assert (data_dir / "postgres" / "PG_VERSION").exists()
    assert (data_dir / "logs" / "postgres.log").stat().st_size > 0

    again = start_postgres(data_dir)  # no second initdb; the data is still there
    try:
        conn = await asyncpg.connect(again.url.rsplit("/", 1)[0] + "/stack_test")
        try:
            assert await conn.fetchval("SELECT v FROM t") == "kept"
        finally:
            await conn.close()
    finally:
        stop_and_assert_gone(again)
    log = (data_dir / "logs" / "postgres.log").read_text()
    assert "not properly shut down" not in log  # the first stop was a clean shutdown


def test_redis_works_keeps_data_and_stops_cleanly(tmp_path: Path) -> None:
    server = start_redis(tmp_path)
    try:
        assert _port(server) not in TAKEN_PORTS
        with redis.Redis.from_url(server.url) as client:
            client.set("greeting", "hello")
            assert client.get("greeting") == b"hello"
    finally:
        stop_and_assert_gone(server)
    # appendonly.aof (Redis 6) or appendonlydir/ (Redis 7) in the given directory
    assert list((tmp_path / "redis").glob("appendonly*"))

    again = start_redis(tmp_path)
    try:
        with redis.Redis.from_url(again.url) as client:
            assert client.get("greeting") == b"hello"
    finally:
        stop_and_assert_gone(again)


def _s3(server: Server, secret_key: str = SECRET_KEY) -> Minio:
    return Minio(urlsplit(server.url).netloc, ACCESS_KEY, secret_key, secure=False)


def test_s3_works_requires_credentials_keeps_data_and_stops_cleanly(tmp_path: Path) -> None:
    server = start_s3(tmp_path, access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    try:
        assert _port(server) not in TAKEN_PORTS
        client = _s3(server)
        client.make_bucket("photos")
        client.put_object("photos", "a/b.txt", io.BytesIO(b"pixels"), length=6)
        assert client.get_object("photos", "a/b.txt").read() == b"pixels"

        with pytest.raises(S3Error) as refused:
            _s3(server, secret_key="wrong-secret").list_buckets()
        assert refused.value.code in {"SignatureDoesNotMatch", "InvalidAccessKeyId"}
        assert httpx.get(f"{server.url}/photos/a/b.txt").status_code == 403  # anonymous
        assert httpx.get(f"{server.url}/").status_code == 403
        # weed's Unix sockets in /tmp: the names stop() removes are the ones weed made
        assert server.process is not None
        leftovers = server.process.cleanup
        assert all(path.exists() for path in leftovers)
    finally:
        stop_and_assert_gone(server)
    assert not any(path.exists() for path in leftovers)

    again = start_s3(tmp_path, access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    try:
        assert _s3(again).get_object("photos", "a/b.txt").read() == b"pixels"
    finally:
        stop_and_assert_gone(again)


def test_all_three_start_concurrently_on_distinct_ports(tmp_path: Path) -> None:
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [
            pool.submit(start_postgres, tmp_path),
            pool.submit(start_redis, tmp_path),
            pool.submit(start_s3, tmp_path, access_key=ACCESS_KEY, secret_key=SECRET_KEY),
        ]
    servers = [future.result() for future in futures]
    try:
        assert time.monotonic() - started < 30
        ports = [_port(server) for server in servers]
        assert len(set(ports)) == 3 and not set(ports) & TAKEN_PORTS
        assert {p.name for p in (tmp_path / "logs").iterdir()} == {
            "postgres.log",
            "redis.log",
            "s3.log",
        }
    finally:
        for server in servers:
            stop_and_assert_gone(server)


# --- ManagedProcess and wait_for --------------------------------------------------------


def test_stop_escalates_to_sigkill_and_reaches_the_whole_group(tmp_path: Path) -> None:
    # The shell ignores SIGTERM and has a child: both must be gone after stop().
    process = ManagedProcess(
        "stubborn",
        ["sh", "-c", "trap '' TERM; sleep 300 & echo started; wait"],
        log_path=tmp_path / "stubborn.log",
    )
    process.start()
    wait_for(lambda: "started" in process.log_tail(), timeout=5, what="stubborn")
    assert process.pid is not None
    family = [psutil.Process(process.pid), *psutil.Process(process.pid).children()]
    assert len(family) == 2
    began = time.monotonic()
    process.stop(timeout=0.5)
    assert time.monotonic() - began < 5
    assert not process.alive()
    wait_for(lambda: not _group(family[0].pid), timeout=5, what="group gone")


def test_kill_simulates_a_crash(tmp_path: Path) -> None:
    process = ManagedProcess("sleeper", ["sleep", "300"], log_path=tmp_path / "sleeper.log")
    process.start()
    assert process.alive()
    process.kill()
    assert not process.alive()
    process.stop()  # stopping a dead process is fine


def test_wait_for_fails_fast_when_the_process_dies(tmp_path: Path) -> None:
    process = ManagedProcess(
        "crasher",
        ["sh", "-c", "echo boom from $GREETING; exit 3"],
        log_path=tmp_path / "crasher.log",
        env={"GREETING": "env"},
    )
    process.start()
    began = time.monotonic()
    with pytest.raises(RuntimeError, match="boom from env"):
        wait_for(lambda: False, timeout=30, what="crasher", process=process)
    assert time.monotonic() - began < 5


def test_wait_for_times_out_with_the_log_tail(tmp_path: Path) -> None:
    process = ManagedProcess(
        "quiet", ["sh", "-c", "echo still booting; sleep 300"], log_path=tmp_path / "q.log"
    )
    process.start()
    try:
        wait_for(lambda: "booting" in process.log_tail(), timeout=5, what="log line")
        with pytest.raises(TimeoutError, match=r"quiet not ready after 0.3s(.|\n)*still booting"):
            wait_for(lambda: False, timeout=0.3, what="quiet", process=process)
    finally:
        process.stop()
