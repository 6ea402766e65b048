"""The settings base every service's one Settings class derives from."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Common knobs; each service sets its own `env_prefix` (e.g. ``AUTH_``)."""

    # populate_by_name: tests and the stack may pass `frontend_url=` for a FRONTEND_URL field.
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")
    # A larger request body is refused with 413 before it is read (the gateway's limit,
    # for a caller inside the cluster); services taking uploads raise it.
    max_body_bytes: int = 1024 * 1024


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
    # Connections a process keeps to its database (as many again in a burst, and as many
    # for social's read pool). Every process of every service shares one server's
    # max_connections (100 by default): replicas and stacks side by side need it smaller.
    database_pool_size: int = 10


class UserEventSettings(TokenSettings):
    """For services that consume auth's user events and apply account deletions."""

    # auth's user events (user.registered, user.renamed, user.deleted); each service reads
    # them in a consumer group of its own (its default is the service's name).
    users_stream: str = "users"
    users_consumer_group: str
    # An entry a crashed replica read but never acknowledged is taken over after this long.
    users_claim_idle_ms: int = 60_000
    # Where services report a deletion applied, for auth's GET /auth/me/deletion.
    deletions_stream: str = "user-deletions"
    # A deleted user's id is kept this long, so the access tokens it still holds (short
    # lived: auth's access_token_ttl_seconds, 900 by default) cannot bring data back.
    deleted_user_retention_seconds: int = 960
    # auth's revocations: a Redis hash (and `<key>:changes`, a stream) every verifier
    # keeps in memory; the same name as auth's AUTH_REVOCATIONS_KEY.
    revocations_key: str = "token-revocations"
