"""Federation service settings: the only place that reads the environment."""

from functools import lru_cache
from urllib.parse import urlsplit

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from common.settings import MigrationSettings, ServiceSettings


class Settings(ServiceSettings, MigrationSettings):
    model_config = SettingsConfigDict(env_prefix="FEDERATION_")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/federation"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # The gateway as the fediverse sees it: actor ids, key ids and WebFinger's host.
    public_url: str = "http://localhost:8000"
    social_url: str = "http://127.0.0.1:8002"
    media_url: str = "http://127.0.0.1:8003"
    internal_timeout_seconds: float = 10.0
    # Shared secret of the /internal/ endpoints, ours and social's and media's.
    internal_token: SecretStr = SecretStr("")
    # Fernet key(s), comma-separated (the first encrypts, any decrypts): actors' private
    # keys at rest. Empty: keys made now are lost with the process, so set it anywhere real.
    encryption_key: SecretStr = SecretStr("")
    # Outgoing fetches and deliveries may go to http:// and private addresses: tests, a LAN.
    # FEDERATION_ALLOW_PRIVATE_PEERS, the variable media reads too.
    allow_private_peers: bool = False

    # Fetching remote actors and objects.
    fetch_timeout_seconds: float = 10.0
    fetch_max_bytes: int = 1_048_576
    # A cached remote actor older than this is fetched again, in the background, when an
    # activity is queued for it (inboxes move); a key is fetched again when it fails.
    actor_cache_seconds: int = 86_400

    # The inbox.
    inbox_max_bytes: int = 262_144
    inbox_max_depth: int = 32
    # Signed activities one remote domain may post per window before 429.
    inbox_rate_limit: int = 300
    # Keys on one domain fetched per window to check signatures (new actors, rotations);
    # past it 429, which the sender retries. A verified request with a cached key needs none.
    inbox_key_fetch_limit: int = 120
    inbox_rate_window_seconds: int = 60
    # Clock skew accepted on a signed request's Date.
    signature_max_skew_seconds: int = 3600
    inbox_interval_seconds: float = 1.0
    inbox_batch_size: int = 20
    inbox_retry_base_seconds: float = 30.0
    inbox_max_attempts: int = 8
    # A claimed activity is another replica's to apply after this (its claimer died).
    inbox_lease_seconds: float = 300.0
    # Processed activities are kept this long so a redelivered one is recognised.
    inbox_retention_seconds: int = 7 * 86_400
    # Social's events are remembered this long so its relay's retry is recognised: far past
    # any retry it makes.
    event_retention_seconds: int = 7 * 86_400
    # How often the kept activities and events past their retention are deleted.
    sweep_interval_seconds: float = 3600.0

    # The delivery queue.
    delivery_interval_seconds: float = 1.0
    delivery_batch_size: int = 50
    delivery_timeout_seconds: float = 10.0
    # Sends at once, counting only those younger than delivery_slow_after_seconds: a dead
    # server's send hangs until its timeout, and must not starve the live ones of slots.
    # delivery_max_in_flight bounds them all, slow ones included.
    delivery_concurrency: int = 16
    delivery_slow_after_seconds: float = 0.5
    delivery_max_in_flight: int = 512
    delivery_concurrency_per_domain: int = 2
    # Back-off of a failed delivery: doubling from base up to max; past give_up it is dropped.
    delivery_retry_base_seconds: float = 30.0
    delivery_retry_max_seconds: float = 2 * 86_400
    delivery_give_up_seconds: float = 2 * 86_400

    # Outbox and collection pages.
    page_size: int = 20

    @property
    def host(self) -> str:
        """Our host as WebFinger's acct: names it (host[:port])."""
        return urlsplit(self.public_url).netloc

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/")


@lru_cache
def get_settings() -> Settings:
    return Settings()
