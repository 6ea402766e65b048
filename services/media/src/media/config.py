"""Media service settings: the only place that reads the environment."""

from functools import lru_cache

from common.settings import TokenSettings
from pydantic_settings import SettingsConfigDict


class Settings(TokenSettings):
    model_config = SettingsConfigDict(env_prefix="MEDIA_")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/media"
    s3_endpoint: str = "http://127.0.0.1:9000"
    s3_access_key: str = "platform"
    s3_secret_key: str = "platform-secret"
    s3_bucket: str = "media"
    s3_region: str = "us-east-1"


@lru_cache
def get_settings() -> Settings:
    return Settings()
