"""Gateway settings: the only place that reads the environment."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import TokenSettings


class Settings(TokenSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_")

    # One URL per service, or its replicas' URLs comma-separated (see gateway/balancer.py).
    auth_url: str = "http://127.0.0.1:8001"
    social_url: str = "http://127.0.0.1:8002"
    media_url: str = "http://127.0.0.1:8003"
    igscraper_url: str = "http://127.0.0.1:8004"
    federation_url: str = "http://127.0.0.1:8005"
    redis_url: str = "redis://127.0.0.1:6379/0"

    # The web app's build (web/ built by Vite), served at /; relative to the working dir.
    web_dir: Path = Path("web/dist")

    frontend_url: str = Field(default="http://localhost:3000", validation_alias="FRONTEND_URL")
    strict_cors: bool = Field(default=False, validation_alias="STRICT_CORS")

    # A refused or unroutable upstream must answer well under a second.
    connect_timeout_seconds: float = 0.5
    upstream_timeout_seconds: float = 30.0
    # Uploads and AI generation legitimately take longer than a JSON call.
    slow_timeout_seconds: float = 120.0
    health_timeout_seconds: float = 2.0
    max_connections_per_upstream: int = 256
    # Attempts for a request whose connection failed: any request refused before a byte was
    # sent (on another replica when there are several), idempotent body-less ones after a drop.
    retry_attempts: int = 3

    max_body_bytes: int = 1024 * 1024
    # Media accepts 20 MiB files; multipart framing needs a little more.
    max_upload_bytes: int = 21 * 1024 * 1024

    # Limits in the `limits` notation ("N/second|minute|hour"); all counted in Redis, so they
    # hold across gateway replicas.
    rate_limit_enabled: bool = True
    rate_limit_key_prefix: str = "gateway:ratelimit"
    # How often each replica adds its counts to Redis and learns the others'.
    rate_limit_sync_seconds: float = 0.1
    rate_limit_anonymous: str = "300/minute"
    rate_limit_authenticated: str = "1200/minute"
    rate_limit_login: str = "20/minute"
    rate_limit_register: str = "10/minute"
    rate_limit_analyses: str = "20/hour"
    # Activities POSTed to an inbox, per address: a remote server delivers from a few
    # addresses, and each delivery may cost federation a fetch of the signer's key.
    rate_limit_inbox: str = "120/minute"
    # Peers whose X-Forwarded-For is believed (a load balancer in front); nobody by default.
    trusted_proxies: frozenset[str] = frozenset()

    def upstreams(self) -> dict[str, str]:
        return {
            "auth": self.auth_url,
            "social": self.social_url,
            "media": self.media_url,
            "igscraper": self.igscraper_url,
            "federation": self.federation_url,
        }


@lru_cache
def get_settings() -> Settings:
    return Settings()
