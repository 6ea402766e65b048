"""What the native stack gives its processes: federation wired like the other services, and
two stacks on the same servers kept apart, so that they can federate with each other."""

import json
from pathlib import Path

from stack.platform import SERVICES, Stack
from stack.servers import Server
from stack.settings import StackSettings

SHARED = {
    "postgres": "postgresql://postgres@127.0.0.1:5432/postgres",
    "redis": "redis://127.0.0.1:6379/0",
    "s3": "http://127.0.0.1:9000",
    "mail": "smtp://127.0.0.1:1025",
}


def environment(stack_dir: Path, **settings: object) -> dict[str, str]:
    """A stack's environment on given servers and made-up ports, without starting it."""
    stack = Stack(StackSettings(stack_dir=stack_dir, **settings))
    stack.dir.mkdir(parents=True, exist_ok=True)
    stack.servers = {name: Server(name, url, None) for name, url in SHARED.items()}
    stack.ports = {name: 9000 + i for i, name in enumerate(stack.names(*SERVICES, "gateway"))}
    return stack.environment()


def test_federation_gets_its_database_peers_secrets_and_public_url(tmp_path):
    env = environment(tmp_path, replicas={"federation": 2})
    assert env["FEDERATION_DATABASE_URL"].endswith("/federation")
    assert env["FEDERATION_PUBLIC_URL"] == env["SOCIAL_PUBLIC_URL"] == "http://localhost:9006"
    assert env["FEDERATION_REDIS_URL"] == SHARED["redis"]
    assert env["FEDERATION_SOCIAL_URL"] == env["MEDIA_SOCIAL_URL"]
    assert env["FEDERATION_MEDIA_URL"] == env["SOCIAL_MEDIA_URL"]
    assert env["FEDERATION_INTERNAL_TOKEN"] == env["SOCIAL_INTERNAL_TOKEN"]
    assert env["FEDERATION_ENCRYPTION_KEY"]
    # Social calls the first replica; the gateway balances over both.
    assert env["SOCIAL_FEDERATION_URL"] == "http://127.0.0.1:9004"
    assert env["GATEWAY_FEDERATION_URL"] == "http://127.0.0.1:9004,http://127.0.0.1:9005"
    # Refused unless asked for: only public https peers.
    assert env["FEDERATION_ALLOW_PRIVATE_PEERS"] == "false"


def test_private_peers_are_allowed_from_the_callers_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FEDERATION_ALLOW_PRIVATE_PEERS", "true")
    assert environment(tmp_path)["FEDERATION_ALLOW_PRIVATE_PEERS"] == "true"


def test_two_stacks_on_the_same_servers_share_no_database_queue_or_secret(tmp_path):
    first = environment(tmp_path / "a", name_prefix="a_")
    second = environment(tmp_path / "b", name_prefix="b_")
    apart = ("_DATABASE_URL", "_KEY", "_QUEUE_NAME", "_BUCKET", "_STREAM", "_PREFIX")
    # The shared S3's own credentials are the one thing both must use.
    shared = {"MEDIA_S3_ACCESS_KEY", "MEDIA_S3_SECRET_KEY"}
    kept_apart = [key for key in first if key.endswith(apart) and key not in shared]
    assert "FEDERATION_DATABASE_URL" in kept_apart and "FEDERATION_ENCRYPTION_KEY" in kept_apart
    assert [key for key in kept_apart if first[key] == second[key]] == []


def test_a_stack_directory_from_before_federation_keeps_its_secrets_and_gains_the_new_one(
    tmp_path,
):
    old = {"AUTH_SECRET_KEY": "s", "AUTH_ENCRYPTION_KEY": "e", "IGSCRAPER_CREDENTIALS_KEY": "c",
           "INTERNAL_TOKEN": "t"}  # fmt: skip
    (tmp_path / "secrets.json").write_text(json.dumps(old))
    env = environment(tmp_path)
    assert env["AUTH_ENCRYPTION_KEY"] == "e" and env["SOCIAL_INTERNAL_TOKEN"] == "t"
    kept = json.loads((tmp_path / "secrets.json").read_text())
    assert kept["FEDERATION_ENCRYPTION_KEY"] == env["FEDERATION_ENCRYPTION_KEY"]
    assert environment(tmp_path)["FEDERATION_ENCRYPTION_KEY"] == kept["FEDERATION_ENCRYPTION_KEY"]
