"""Media service settings: the only place that reads the environment."""

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from common.settings import MigrationSettings, UserEventSettings

MiB = 1024 * 1024


class Settings(UserEventSettings, MigrationSettings):
    model_config = SettingsConfigDict(env_prefix="MEDIA_")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/media"
    # auth's user events arrive here (account deletions).
    redis_url: str = "redis://127.0.0.1:6379/0"
    users_consumer_group: str = "media"
    s3_endpoint: str = "http://127.0.0.1:9000"
    s3_access_key: str = "platform"
    # SecretStr: a settings repr or a validation error never shows them.
    s3_secret_key: SecretStr = SecretStr("platform-secret")
    s3_bucket: str = "media"
    s3_region: str = "us-east-1"
    # A refused or silent S3 is given up on in seconds (a 503), not minio's minutes.
    s3_connect_timeout_seconds: float = 2.0
    s3_read_timeout_seconds: float = 10.0
    s3_retries: int = 1
    # The threads S3 calls run on, and the most a call may take, waiting for one included.
    s3_workers: int = 8
    s3_deadline_seconds: float = 15.0
    # The gateway's URL as clients see it: image links in responses start with it.
    public_url: str = "http://localhost:8000"
    # Service-to-service credential (X-Internal-Token); empty refuses every internal call.
    internal_token: SecretStr = SecretStr("")
    # Asked before an owner deletes an image: does a post or an avatar still show it?
    social_url: str = "http://127.0.0.1:8002"
    social_timeout_seconds: float = 5.0

    max_upload_bytes: int = 20 * MiB
    # The body an upload arrives in: the file and a little multipart framing.
    max_body_bytes: int = 21 * MiB
    quota_bytes: int = 1024 * MiB
    # Decoded size is what costs memory: 50 MP is ~150 MB of RGB, more than any phone shoots.
    max_image_pixels: int = 50_000_000
    max_image_side: int = 20_000
    # Threads doing Pillow work; Pillow releases the GIL while decoding and encoding.
    image_workers: int = 2
    webp_quality: int = 80
    # libwebp effort 0-6: 6 is ~3x slower than 0 for a few percent smaller thumbnails.
    webp_method: int = 0
    # Objects older than this without a row are leftovers of a crashed upload or delete.
    orphan_grace_seconds: int = 3600
    sweep_interval_seconds: int = 3600
    # Images stored before blurhashes get theirs this long after startup.
    blurhash_backfill_delay_seconds: float = 30.0

    avatar_ttl_seconds: int = 24 * 3600
    avatar_max_bytes: int = 5 * MiB
    avatar_fetch_timeout_seconds: float = 10.0

    # Remote media (federation's images): fetched from other servers through
    # common.remote_fetch. The one switch federation reads too: true lets peers be plain
    # http on loopback or private addresses (the test suite, a LAN).
    federation_allow_private_peers: bool = Field(
        default=False, validation_alias="FEDERATION_ALLOW_PRIVATE_PEERS"
    )
    remote_media_max_bytes: int = 16 * MiB
    # One deadline per image, redirects and a slow body included: 16 MiB at ~1 MB/s.
    remote_media_timeout_seconds: float = 20.0

    # Empty: no AI service, /api/images answers with a placeholder.
    ai_service_url: str = ""
    ai_timeout_seconds: float = 20.0
    ai_max_bytes: int = 10 * MiB


@lru_cache
def get_settings() -> Settings:
    return Settings()
