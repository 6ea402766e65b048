"""The whole platform as local processes: servers, five services, the worker and the gateway.

`uv run stack up` and the e2e tests both drive this one class, so the tests exercise
exactly the stack a developer runs.
"""

import base64
import contextlib
import json
import logging
import os
import secrets
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from stack import web
from stack.processes import ManagedProcess, free_port, port_open, wait_for
from stack.servers import Server, start_mail_sink, start_postgres, start_redis, start_s3
from stack.settings import StackSettings
from stack.supervisor import Supervisor

logger = logging.getLogger("stack")

SERVICES = ("auth", "social", "media", "igscraper", "federation")
WORKER = "igscraper-worker"
GATEWAY = "gateway"
# What `--replicas` may multiply; "worker" is short for the igscraper worker.
REPLICABLE = (*SERVICES, WORKER, GATEWAY)
REPLICA_ALIASES = {"worker": WORKER}


def replica_names(kind: str, count: int) -> list[str]:
    """ "social", "social-2", ...: the first keeps the plain name."""
    return [kind, *(f"{kind}-{i}" for i in range(2, count + 1))]


class Stack:
    def __init__(self, settings: StackSettings, extra_env: dict[str, str] | None = None) -> None:
        self.settings = settings
        # Settings the caller adds on top, e.g. the e2e tests' fake provider URLs.
        self.extra_env = extra_env or {}
        self.dir = settings.stack_dir.resolve()
        self.servers: dict[str, Server] = {}
        self.ports: dict[str, int] = {}
        self.processes: dict[str, ManagedProcess] = {}
        self.supervisor: Supervisor | None = None
        # Every process name, and the kind (service, worker or gateway) it is a replica of.
        self.kinds = {
            name: kind
            for kind in REPLICABLE
            for name in replica_names(kind, settings.replicas.get(kind, 1))
        }

    def names(self, *kinds: str) -> list[str]:
        """The replicas of these kinds, in order."""
        return [name for name, kind in self.kinds.items() if kind in kinds]

    @property
    def mail_dir(self) -> Path:
        """Where the stack's SMTP sink keeps what it received, one .eml per message."""
        return self.dir / "mail"

    @property
    def mail(self) -> Server:
        """The SMTP sink; tests stop and start its process to play an outage."""
        return self.servers["mail"]

    @property
    def gateway_url(self) -> str:
        """The public URL: the one host browsers, OAuth callbacks and the README use, so a
        cookie set on one page is sent on the next (127.0.0.1 is another site to a browser)."""
        return f"http://localhost:{self.ports[GATEWAY]}"

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self) -> None:
        """Start everything and return once every /health answers 200; on failure, undo."""
        self.dir.mkdir(parents=True, exist_ok=True)
        try:
            self.start_servers()
            self.ports = {name: free_port() for name in self.names(*SERVICES, GATEWAY)}
            self.ports[GATEWAY] = self.settings.gateway_port or self.ports[GATEWAY]
            for name in self.kinds:
                self.start_process(name)
            self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def start_servers(self) -> None:
        """Use the servers the settings name; start the missing ones (in parallel)."""
        s = self.settings
        given = {"postgres": s.database_url, "redis": s.redis_url, "s3": s.s3_endpoint}
        starters = {
            "postgres": lambda: start_postgres(self.dir),
            "redis": lambda: start_redis(self.dir),
            "s3": lambda: start_s3(
                self.dir, access_key=s.s3_access_key, secret_key=s.s3_secret_key
            ),
            # Always this stack's own: what it receives is read from its directory.
            "mail": lambda: start_mail_sink(self.dir),
        }
        for name, url in given.items():
            if url:
                self.servers[name] = Server(name, url, None)
        missing = [name for name in starters if name not in self.servers]
        with ThreadPoolExecutor(max_workers=len(starters)) as pool:
            futures = {name: pool.submit(starters[name]) for name in missing}
            try:
                wait(futures.values())
            finally:
                # Even when a Ctrl-C interrupts the wait: the starters run on, and what they
                # start must be known to stop() or it outlives the stack.
                wait(futures.values())
                errors = [f.exception() for f in futures.values() if f.exception() is not None]
                for name, future in futures.items():
                    if future.exception() is None:
                        self.servers[name] = future.result()
        if errors:
            raise errors[0]

    def database_url(self, service: str) -> str:
        server = urlsplit(self.servers["postgres"].url)
        name = f"{self.settings.name_prefix}{service}"
        return server._replace(scheme="postgresql+asyncpg", path=f"/{name}").geturl()

    def secrets(self) -> dict[str, str]:
        """Development secrets, made once per stack directory and kept there (git-ignored).
        One a newer platform needs is added to the file, the others kept: a key that changed
        would leave what it encrypted unreadable."""
        path = self.dir / "secrets.json"
        made: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        missing = {name: make() for name, make in SECRETS.items() if name not in made}
        if missing:
            made |= missing
            path.write_text(json.dumps(made))
            path.chmod(0o600)
        return made

    def environment(self) -> dict[str, str]:
        s = self.settings
        redis = self.servers["redis"].url
        jwks = f"{self.url('auth')}/auth/.well-known/jwks.json"
        made = self.secrets()
        env = {
            "AUTH_SECRET_KEY": made["AUTH_SECRET_KEY"],
            "AUTH_ENCRYPTION_KEY": made["AUTH_ENCRYPTION_KEY"],
            "IGSCRAPER_CREDENTIALS_KEY": made["IGSCRAPER_CREDENTIALS_KEY"],
            "FEDERATION_ENCRYPTION_KEY": made["FEDERATION_ENCRYPTION_KEY"],
            # One credential for service-to-service calls that carry no user token.
            "MEDIA_INTERNAL_TOKEN": made["INTERNAL_TOKEN"],
            "IGSCRAPER_INTERNAL_TOKEN": made["INTERNAL_TOKEN"],
            "SOCIAL_INTERNAL_TOKEN": made["INTERNAL_TOKEN"],
            "FEDERATION_INTERNAL_TOKEN": made["INTERNAL_TOKEN"],
            # http:// and loopback peers (federation's fetches and deliveries, media's remote
            # images): what two stacks on one machine need to federate.
            "FEDERATION_ALLOW_PRIVATE_PEERS": str(s.federation_allow_private_peers).lower(),
            # Throttle counters, rate-limit windows and OAuth state: stacks sharing one
            # Redis keep apart (a window outlives its stack by up to its length).
            "AUTH_REDIS_PREFIX": f"{s.name_prefix}auth:",
            "GATEWAY_RATE_LIMIT_KEY_PREFIX": f"{s.name_prefix}gateway:ratelimit",
            "LOG_LEVEL": s.log_level,
            # The web app is served by the gateway itself, on the same origin as the API.
            "FRONTEND_URL": s.frontend_url or self.gateway_url,
            "GATEWAY_WEB_DIR": str(web.DIST),
            "STRICT_CORS": "1" if s.strict_cors else "0",
            "MEDIA_S3_ENDPOINT": self.servers["s3"].url,
            "MEDIA_S3_ACCESS_KEY": s.s3_access_key,
            "MEDIA_S3_SECRET_KEY": s.s3_secret_key,
            # Bucket names allow no underscores.
            "MEDIA_S3_BUCKET": f"{s.name_prefix}media".replace("_", "-"),
            "IGSCRAPER_QUEUE_NAME": f"{s.name_prefix}igscraper:queue",
            "AUTH_SMTP_URL": self.servers["mail"].url,
            "AUTH_MAIL_FROM": "Photogram <no-reply@localhost>",
        }
        for service in SERVICES:
            env[f"{service.upper()}_DATABASE_URL"] = self.database_url(service)
            env[f"{service.upper()}_PUBLIC_URL"] = self.gateway_url
            # The gateway spreads requests over the replicas (gateway/balancer.py).
            env[f"GATEWAY_{service.upper()}_URL"] = ",".join(map(self.url, self.names(service)))
        for prefix in ("AUTH", "SOCIAL", "MEDIA", "IGSCRAPER", "FEDERATION", "GATEWAY"):
            env[f"{prefix}_REDIS_URL"] = redis
        # auth's user events, and the services' reports that they applied a deletion.
        for prefix in ("AUTH", "SOCIAL", "MEDIA", "IGSCRAPER"):
            # auth's revocations, kept in memory by every service's token verifier.
            env[f"{prefix}_REVOCATIONS_KEY"] = f"{s.name_prefix}token-revocations"
            env[f"{prefix}_USERS_STREAM"] = f"{s.name_prefix}users"
            env[f"{prefix}_DELETIONS_STREAM"] = f"{s.name_prefix}user-deletions"
        for prefix in ("SOCIAL", "MEDIA", "IGSCRAPER", "GATEWAY"):
            env[f"{prefix}_JWKS_URL"] = jwks
        for prefix in ("SOCIAL", "IGSCRAPER", "FEDERATION"):
            env[f"{prefix}_MEDIA_URL"] = self.url("media")
        for prefix in ("MEDIA", "FEDERATION"):
            env[f"{prefix}_SOCIAL_URL"] = self.url("social")
        env["SOCIAL_AUTH_URL"] = self.url("auth")
        env["SOCIAL_FEDERATION_URL"] = self.url("federation")
        return env | self.extra_env

    def _argv(self, name: str) -> list[str]:
        bin_dir = Path(sys.executable).parent
        kind = self.kinds[name]
        if kind == WORKER:
            return [sys.executable, "-m", "igscraper.worker"]
        if kind == GATEWAY:  # its own server (gateway/server.py), not uvicorn
            port = str(self.ports[name])
            return [sys.executable, "-m", "gateway", "--host", "127.0.0.1", "--port", port]
        module = f"{kind}.main"
        return [
            str(bin_dir / "uvicorn"),
            f"{module}:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.ports[name]),
            "--no-access-log",
            "--no-proxy-headers",  # only the gateway's X-Forwarded-* count (trusted_proxies)
            "--timeout-graceful-shutdown",
            "5",
        ]

    def start_process(self, name: str) -> ManagedProcess:
        process = ManagedProcess(
            name,
            self._argv(name),
            log_path=self.dir / "logs" / f"{name}.log",
            env=self.environment(),
        )
        process.start()
        self.processes[name] = process
        return process

    def restart(self, name: str) -> None:
        """Start a stopped or killed process again on its port and wait until it is healthy."""
        with self.supervisor.lock if self.supervisor else contextlib.nullcontext():
            process = self.processes[name]
            process.stop()
            process.start()
        self.wait_ready()

    def supervise(self, report: Callable[[str], None] | None = None) -> None:
        """From now on restart whatever dies (services, worker, gateway, and the servers
        this stack started), with back-off; `report` gets a line per death and return."""
        self.supervisor = Supervisor(report)
        for name, process in self.processes.items():
            port = self.ports.get(name)
            self.supervisor.watch(process, None if port is None else partial(port_open, port))
        for server in self.servers.values():
            if server.process is not None:
                self.supervisor.watch(server.process, server.ready)
        self.supervisor.start()

    def _healthy(self, name: str) -> bool:
        try:
            return httpx.get(f"{self.url(name)}/health", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self) -> None:
        deadline_s = self.settings.ready_timeout_seconds
        for name in self.names(*SERVICES, GATEWAY):
            # The worker has no port: igscraper's health includes its heartbeat.
            wait_for(
                lambda name=name: self._healthy(name),
                timeout=deadline_s,
                what=name,
                process=self.processes[name],
            )

    def stop(self) -> None:
        """Gateway first, then services and worker, then the servers this stack started."""
        if self.supervisor is not None:
            self.supervisor.stop()  # first, or it would restart what is being stopped
        for group in (self.names(GATEWAY), self.names(*SERVICES, WORKER)):
            procs = [self.processes[n] for n in group if n in self.processes]
            with ThreadPoolExecutor(max_workers=len(procs) or 1) as pool:
                list(pool.map(lambda p: p.stop(), procs))
        servers = [s.process for s in self.servers.values() if s.process is not None]
        with ThreadPoolExecutor(max_workers=len(servers) or 1) as pool:
            list(pool.map(lambda p: p.stop(), servers))

    def kill(self) -> None:
        """SIGKILL every process group at once without waiting (a third Ctrl-C during stop).

        Only signals, no locks or waits, so it is safe inside a signal handler; the
        stop() in progress then reaps them."""
        servers = [s.process for s in list(self.servers.values()) if s.process is not None]
        for process in [*list(self.processes.values()), *servers]:
            process.signal_group(signal.SIGKILL)

    def describe(self) -> str:
        lines = [f"  gateway      {self.gateway_url}   (docs: {self.gateway_url}/docs)"]
        lines += [f"  {name:<12} {self.url(name)}" for name in self.names(GATEWAY)[1:]]
        lines += [f"  {name:<12} {self.url(name)}" for name in self.names(*SERVICES)]
        if len(workers := self.names(WORKER)) > 1:
            lines.append(f"  {'workers':<12} {len(workers)}")
        for name, server in self.servers.items():
            origin = "started here" if server.process else "from the environment"
            lines.append(f"  {name:<12} {_redact(server.url)}   ({origin})")
            if server.page_url:
                lines.append(f"  {'mail page':<12} {server.page_url}   (development only)")
        lines.append(f"  logs         {self.dir / 'logs'}")
        return "\n".join(lines)


def _fernet_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


# What secrets.json holds, and how each is made.
SECRETS: dict[str, Callable[[], str]] = {
    "AUTH_SECRET_KEY": lambda: secrets.token_urlsafe(32),
    "AUTH_ENCRYPTION_KEY": _fernet_key,
    "IGSCRAPER_CREDENTIALS_KEY": _fernet_key,
    # The actors' private keys, encrypted at rest.
    "FEDERATION_ENCRYPTION_KEY": _fernet_key,
    "INTERNAL_TOKEN": lambda: secrets.token_urlsafe(32),
}


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url
