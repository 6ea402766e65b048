"""Social service settings: the only place that reads the environment."""

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from common.settings import MigrationSettings, UserEventSettings


class Settings(UserEventSettings, MigrationSettings):
    model_config = SettingsConfigDict(env_prefix="SOCIAL_")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/social"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # The media service, called with the caller's token for uploads, ownership and deletes.
    media_url: str = "http://127.0.0.1:8003"
    media_timeout_seconds: float = 30.0
    # POST /posts takes the image it posts (passed on to media): media's upload limit.
    max_body_bytes: int = 21 * 1024 * 1024
    # Asked who a user is when a profile is named before auth's users stream created it.
    auth_url: str = "http://127.0.0.1:8001"
    auth_timeout_seconds: float = 5.0
    # Service-to-service credential (X-Internal-Token) for media's internal endpoints: the
    # media deletion relay retries long after the caller's short-lived token has expired.
    internal_token: SecretStr = SecretStr("")
    # The media deletion outbox: how often each replica looks for due rows, and the back-off
    # of a row whose deletion failed (doubling from base, capped at max).
    media_deletion_relay_interval_seconds: float = 5.0
    media_deletion_retry_base_seconds: float = 30.0
    media_deletion_retry_max_seconds: float = 3600.0
    # The federation service (ActivityPub): told of local changes through the outbox, asked
    # to find `user@host` accounts. Empty: federation is off, no event is written and no
    # remote account is looked up.
    federation_url: str = ""
    federation_timeout_seconds: float = 5.0
    # The federation outbox relay, as the media deletion one: how often each replica looks
    # for due events, and the back-off of a batch federation did not take.
    federation_relay_interval_seconds: float = 5.0
    federation_retry_base_seconds: float = 30.0
    federation_retry_max_seconds: float = 3600.0
    # The gateway as browsers see it: image links in responses point there.
    public_url: str = "http://localhost:8000"
    users_consumer_group: str = "social"


@lru_cache
def get_settings() -> Settings:
    return Settings()
