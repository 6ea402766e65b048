"""Instagram analyses service settings: the only place that reads the environment."""

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from common.settings import MigrationSettings, UserEventSettings


class Settings(UserEventSettings, MigrationSettings):
    model_config = SettingsConfigDict(env_prefix="IGSCRAPER_")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/igscraper"
    redis_url: str = "redis://127.0.0.1:6379/0"
    users_consumer_group: str = "igscraper"
    queue_name: str = "igscraper:queue"
    # A quiet analysis event stream reads the analysis again and sends a keep-alive comment
    # this often: well under the gateway's upstream (silence) timeout.
    events_keepalive_seconds: float = 15.0
    # ARQ rewrites its health key this often; the API reports the worker down once it lapses.
    worker_heartbeat_seconds: int = 5
    # How often an idle worker looks for due jobs; deferred steps start at most this late.
    worker_poll_delay_seconds: float = 0.5

    # Fernet key for Instagram session cookies kept inside a job; unset = submissions refused.
    credentials_key: SecretStr | None = None
    # Encrypted cookies expire from Redis even if a job is lost and never finishes.
    credentials_ttl_seconds: int = 86_400

    instagram_base_url: str = "https://www.instagram.com"
    instagram_app_id: str = "936619743392459"
    instagram_timeout_seconds: float = 10.0
    # The largest `count` Instagram honours on friendships lists (instaloader asks for 12).
    page_size: int = 200
    # Pages one step fetches before it checkpoints and hands over to the next step.
    pages_per_step: int = 10

    # Pacing per Instagram session: a minimum gap with jitter, and a budget per window.
    # instaloader's 75 requests per 11 minutes is what Instagram tolerates without 429s.
    min_request_interval_seconds: float = 2.0
    request_jitter_ratio: float = 0.5
    request_budget: int = 75
    request_window_seconds: float = 660.0
    # 429 / "Please wait": exponential back-off from the base, capped, this many times.
    backoff_base_seconds: float = 60.0
    backoff_max_seconds: float = 900.0
    rate_limit_retries: int = 6

    # Analyses running at once across every worker; the rest wait in the queue.
    max_concurrent_jobs: int = 2
    # How often a queued analysis asks again for a free slot.
    queue_poll_seconds: float = 5.0
    # The wait estimate before any analysis has finished.
    default_analysis_seconds: float = 120.0
    # ARQ job_timeout of one step; a killed worker's step runs again after this + 10 s.
    step_timeout_seconds: int = 20
    # Tries of one step on network errors or Instagram 5xx before the analysis fails.
    step_max_tries: int = 5
    # Active analyses untouched this long get their current step enqueued again.
    stall_seconds: int = 120
    # Finished analyses (and their users) are deleted after this many days.
    retention_days: int = 30

    media_url: str = "http://127.0.0.1:8003"
    # Shared secret for media's /internal/ endpoints.
    internal_token: SecretStr | None = None
    # The gateway as browsers see it; avatar URLs point there.
    public_url: str = "http://localhost:8000"
    avatar_concurrency: int = 8
    avatar_batch_size: int = 100


@lru_cache
def get_settings() -> Settings:
    return Settings()
