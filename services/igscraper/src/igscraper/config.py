"""Instagram analyses service settings: the only place that reads the environment."""

from functools import lru_cache

from common.settings import TokenSettings
from pydantic_settings import SettingsConfigDict


class Settings(TokenSettings):
    model_config = SettingsConfigDict(env_prefix="IGSCRAPER_")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/igscraper"
    redis_url: str = "redis://127.0.0.1:6379/0"
    queue_name: str = "igscraper:queue"
    # ARQ rewrites its health key this often; the API reports the worker down once it lapses.
    worker_heartbeat_seconds: int = 5


@lru_cache
def get_settings() -> Settings:
    return Settings()
