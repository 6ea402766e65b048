"""What the native stack reads from the environment; everything has a local default."""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class StackSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    # Existing servers to use; when unset the stack starts its own under `stack_dir`.
    database_url: str | None = None
    redis_url: str | None = None
    s3_endpoint: str | None = None
    s3_access_key: str = "platform"
    s3_secret_key: str = "platform-secret-key"

    stack_dir: Path = Path(".stack")
    gateway_port: int = 8000
    # Isolates a run (e2e tests) from a developer's stack on the same servers.
    name_prefix: str = ""
    log_level: str = "INFO"
    # Where OAuth sign-ins land; unset, the web app the gateway serves (its public URL).
    frontend_url: str | None = None
    strict_cors: bool = False
    # FEDERATION_ALLOW_PRIVATE_PEERS: federate with http:// and private or loopback
    # addresses (another stack on this machine, a LAN); off, only public https peers.
    federation_allow_private_peers: bool = False
    ready_timeout_seconds: float = 60.0
    # Processes per service, worker ("igscraper-worker") or gateway; 1 when not named.
    replicas: dict[str, int] = {}
