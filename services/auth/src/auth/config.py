"""Auth service settings: the only place that reads the environment."""

from functools import lru_cache

from common.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/auth"
    redis_url: str = "redis://127.0.0.1:6379/0"


@lru_cache
def get_settings() -> Settings:
    return Settings()
