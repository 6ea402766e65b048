"""Social service settings: the only place that reads the environment."""

from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from common.settings import TokenSettings


class Settings(TokenSettings):
    model_config = SettingsConfigDict(env_prefix="SOCIAL_")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/social"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # The media service, called with the caller's token for uploads, ownership and deletes.
    media_url: str = "http://127.0.0.1:8003"
    media_timeout_seconds: float = 30.0
    # The gateway as browsers see it: image links in responses point there.
    public_url: str = "http://localhost:8000"
    # auth's user events (user.registered, user.renamed) and this service's consumer group.
    users_stream: str = "users"
    users_consumer_group: str = "social"
    # An entry a crashed replica read but never acknowledged is taken over after this long.
    users_claim_idle_ms: int = 60_000


@lru_cache
def get_settings() -> Settings:
    return Settings()
