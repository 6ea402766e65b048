"""The compose stack as a user runs it, driven through the gateway (run by deploy/compose-check).

Starts `docker compose up --wait` with a fresh env file copied from .env.example (every
secret replaced by a random one, GATEWAY_RATE_LIMIT_LOGIN=2/minute, Instagram pointed at
the fake on the Docker bridge), then: health, the web app, register, a post with an image, the feed,
the image's bytes, an Instagram analysis, /docs and its assets, the login limit from the
env file; scales social and the worker to 2; restarts postgres and redis; checks that
every log line of ours is JSON and no secret is in any log; `docker compose down -v`.
"""

import base64
import io
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from PIL import Image

from tests.fakes.instagram import FakeInstagram

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "compose-check"
OURS = ("auth", "social", "media", "igscraper", "igscraper-worker", "federation", "gateway")
LOGIN_LIMIT = "2/minute"


def say(message: str) -> None:
    print(f"[compose-check] {message}", flush=True)


def wait_for(what: str, condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.5)


def free_host_port(preferred: int) -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("0.0.0.0", preferred))
            return preferred
        except OSError:
            probe.bind(("0.0.0.0", 0))
            return probe.getsockname()[1]


def bridge_address() -> str:
    """The host's address on Docker's default bridge: every container can reach it. (The
    network's IPAM config may not name its gateway, so it is read off the interface.)"""
    interface = subprocess.run(
        ["docker", "network", "inspect", "bridge", "-f",
         '{{index .Options "com.docker.network.bridge.name"}}'],
        capture_output=True, text=True, check=True,
    ).stdout.strip() or "docker0"  # fmt: skip
    shown = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", interface], capture_output=True, text=True, check=True
    ).stdout
    return shown.split(" inet ", 1)[1].split("/", 1)[0]


def fernet_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


class Compose:
    def __init__(self, env_file: Path) -> None:
        self.base = ["docker", "compose", "-p", PROJECT, "--env-file", str(env_file)]

    def __call__(self, *args: str, capture: bool = False) -> str:
        done = subprocess.run(
            [*self.base, *args], cwd=ROOT, text=True, capture_output=capture, check=True
        )
        return done.stdout if capture else ""

    def logs(self, service: str) -> list[str]:
        out = self(*["logs", "--no-color", "--no-log-prefix", service], capture=True)
        return [line for line in out.splitlines() if line.strip()]


def env_file(directory: Path, port: int, instagram_url: str) -> tuple[Path, list[str]]:
    """.env.example with random secrets and the check's values; returns it and the secrets."""
    secret = {
        "POSTGRES_PASSWORD": secrets.token_urlsafe(18),
        "MINIO_ROOT_PASSWORD": secrets.token_urlsafe(18),
        "AUTH_SECRET_KEY": secrets.token_urlsafe(36),
        "AUTH_ENCRYPTION_KEY": fernet_key(),
        "IGSCRAPER_CREDENTIALS_KEY": fernet_key(),
        "FEDERATION_ENCRYPTION_KEY": fernet_key(),
        "INTERNAL_TOKEN": secrets.token_urlsafe(24),
    }
    changed = secret | {
        "GATEWAY_RATE_LIMIT_LOGIN": LOGIN_LIMIT,
        "GATEWAY_PORT": str(port),
        "PUBLIC_URL": f"http://localhost:{port}",
        "IGSCRAPER_INSTAGRAM_BASE_URL": instagram_url,
        # The fake answers at once; pacing like Instagram's would only make the check slow.
        "IGSCRAPER_MIN_REQUEST_INTERVAL_SECONDS": "0",
    }
    lines = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        key = line.split("=", 1)[0]
        lines.append(f"{key}={changed[key]}" if key in changed and "=" in line else line)
    path = directory / ".env"
    path.write_text("\n".join(lines) + "\n")
    return path, list(secret.values())


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), "orange").save(out, "JPEG")
    return out.getvalue()


def web_app(gateway: httpx.Client) -> None:
    """The web app the gateway image built: index.html at / and at an app path, revalidated;
    its hashed script cached for good and compressed."""
    for path in ("/", "/people"):
        page = gateway.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        assert page.headers["content-type"].startswith("text/html"), page.headers
        assert page.headers["cache-control"] == "no-cache", page.headers
    # SvelteKit's page names its modules in modulepreload links (an inline script imports
    # the entry): every one is cached for good, the largest (over the gateway's 512-byte
    # threshold) also sent compressed.
    modules = re.findall(
        r'<link href="(/_app/immutable/[^"]+[.]js)" rel="modulepreload"', page.text
    )
    assert modules, f"no module in the web app's index.html: {page.text[:300]}"
    sent = [gateway.get(url, headers={"Accept-Encoding": "gzip"}) for url in modules]
    for module in sent:
        assert module.status_code == 200, module.text[:200]
        assert "immutable" in module.headers["cache-control"], module.headers
    largest = max(sent, key=lambda module: len(module.content))
    assert largest.headers.get("content-encoding") == "gzip", largest.headers
    say(f"web app at / and /people; {len(modules)} modules immutable, the largest gzipped")


def federated(gateway: httpx.Client, username: str) -> None:
    """What another server asks first: WebFinger finds the new user (on PUBLIC_URL's host),
    and the actor it names answers as ActivityPub, through the gateway's negotiation."""
    host = f"localhost:{gateway.base_url.port}"  # PUBLIC_URL's, as env_file sets it
    finger = gateway.get("/.well-known/webfinger", params={"resource": f"acct:{username}@{host}"})
    assert finger.status_code == 200, finger.text
    actor_url = next(link["href"] for link in finger.json()["links"] if link["rel"] == "self")
    actor = gateway.get(urlsplit(actor_url).path, headers={"Accept": "application/activity+json"})
    assert actor.status_code == 200 and actor.json()["type"] == "Person", actor.text
    say(f"federation: WebFinger and the actor of @{username}@{host}: ok")


def drive(gateway: httpx.Client, instagram: FakeInstagram) -> list[str]:
    """Everything a first user does; returns the credentials used, for the log check."""
    health = gateway.get("/health")
    assert health.status_code == 200, health.text
    web_app(gateway)
    password = secrets.token_urlsafe(16) + "aA1"
    username = f"minji{secrets.randbelow(10**6)}"
    registered = gateway.post(
        "/auth/register",
        json={"username": username, "email": f"{username}@example.com", "password": password},
    )
    assert registered.status_code == 201, registered.text
    tokens = registered.json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}

    post = gateway.post(
        "/posts",
        headers=auth,
        files={"image": ("photo.jpg", jpeg(), "image/jpeg")},
        data={"caption": "first from compose"},
    )
    assert post.status_code == 201, post.text
    feed = gateway.get("/feed/global").json()
    assert feed["items"][0]["id"] == post.json()["id"], feed
    image = gateway.get(post.json()["image_url"])
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/")
    assert len(image.content) > 1000
    say(f"register, post with image, feed, image bytes ({len(image.content)} B): ok")
    federated(gateway, username)

    me = instagram.add_account("compose_me")
    instagram.follow_graph(me, followers=300, following=250, mutual=120)
    session_id, csrf = instagram.session_for(me)
    started = gateway.post(
        "/api/ig/analyses", headers=auth, json={"session_id": session_id, "csrf_token": csrf}
    )
    assert started.status_code == 202, started.text
    analysis: dict[str, Any] = {}

    def finished() -> bool:
        nonlocal analysis
        analysis = gateway.get(f"/api/ig/analyses/{started.json()['id']}", headers=auth).json()
        return analysis["status"] in ("completed", "failed")

    wait_for("the Instagram analysis", finished, 120)
    assert analysis["status"] == "completed", (
        analysis,
        f"fake Instagram: {instagram.requests} requests, refused: {instagram.bad_requests[:3]}",
    )
    assert analysis["result"]["stats"]["mutual_count"] == 120, analysis
    say("Instagram analysis against the fake: completed, 120 mutuals")

    for page in ("/docs", "/redoc"):
        html = gateway.get(page)
        assert html.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', html.text)
        assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets)
        assert all(gateway.get(a).status_code == 200 for a in assets)
    say("/docs and /redoc: every asset served by the gateway")

    login = {"username": username, "password": password}
    statuses = [gateway.post("/auth/login", json=login).status_code for _ in range(3)]
    assert statuses == [200, 200, 429], statuses
    say(f"GATEWAY_RATE_LIMIT_LOGIN={LOGIN_LIMIT} from the env file: logins {statuses}")
    return [password, session_id, tokens["access_token"], tokens["refresh_token"]]


def still_serves(gateway: httpx.Client, what: str) -> None:
    def healthy() -> bool:
        try:
            return gateway.get("/health").status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(f"/health after {what}", healthy, 180)
    for _ in range(10):
        assert gateway.get("/feed/global").status_code == 200


def check_logs(compose: Compose, secrets_used: list[str]) -> None:
    services = compose("config", "--services", capture=True).split()
    for service in services:
        lines = compose.logs(service)
        for secret in secrets_used:
            leaked = [line for line in lines if secret in line]
            assert not leaked, f"a secret is in {service}'s log: {leaked[0][:200]}"
        if service in OURS:
            for line in lines:
                try:
                    json.loads(line)
                except ValueError:
                    raise AssertionError(f"{service} logged a non-JSON line: {line}") from None
            errors = [line for line in lines if json.loads(line).get("level") == "ERROR"]
            assert not errors, f"{service} logged errors: {errors[:3]}"
    say(f"logs: every line of {', '.join(OURS)} is JSON, no ERROR; no secret in any log")


def main() -> int:
    instagram = FakeInstagram()
    instagram.host = bridge_address()
    instagram.start()
    port = free_host_port(int(os.environ.get("GATEWAY_PORT", "8000")))
    with tempfile.TemporaryDirectory() as tmp:
        path, secrets_used = env_file(Path(tmp), port, instagram.url)
        compose = Compose(path)
        try:
            compose("build", "--quiet")
            started = time.monotonic()
            compose("up", "--detach", "--wait", "--wait-timeout", "300")
            say(f"docker compose up --wait: healthy in {time.monotonic() - started:.1f} s")
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as gateway:
                secrets_used += drive(gateway, instagram)
                compose("up", "--detach", "--wait", "--scale", "social=2", "--scale",
                        "igscraper-worker=2")  # fmt: skip
                still_serves(gateway, "scaling social and igscraper-worker to 2")
                say("scaled social and igscraper-worker to 2: healthy, feed served")
                compose("restart", "postgres", "redis")
                still_serves(gateway, "restarting postgres and redis")
                say("restarted postgres and redis: healthy again, feed served")
            check_logs(compose, secrets_used)
        except BaseException:
            say("FAILED; the services' state and their last log lines:")
            compose("ps", "--all")
            for service in OURS:
                print(f"--- {service}", *compose.logs(service)[-30:], sep="\n", flush=True)
            raise
        finally:
            compose("down", "--volumes", "--remove-orphans")
            instagram.stop()
    say("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
