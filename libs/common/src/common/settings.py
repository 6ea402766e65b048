"""The settings base every service's one Settings class derives from."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Common knobs; each service sets its own `env_prefix` (e.g. ``AUTH_``)."""

    # populate_by_name: tests and the stack may pass `frontend_url=` for a FRONTEND_URL field.
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")


class TokenSettings(ServiceSettings):
    """For services that verify access tokens issued by auth."""

    jwks_url: str = "http://127.0.0.1:8001/auth/.well-known/jwks.json"
    token_issuer: str = "photo-platform"
    token_audience: str = "photo-platform"


class MigrationSettings(BaseSettings):
    """For services that own a database: who applies its migrations."""

    # True: every process upgrades the database on start (under an advisory lock). False:
    # a migration Job does (Kubernetes), and processes wait until the database is at head.
    migrate_on_start: bool = True
