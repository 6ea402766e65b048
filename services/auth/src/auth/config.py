"""Auth service settings: the only place that reads the environment."""

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network
from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from common.settings import MigrationSettings, ServiceSettings

# What people call the platform: the issuer in authenticator apps, the passkey's site name.
PLATFORM_NAME = "Photogram"


class Settings(ServiceSettings, MigrationSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/auth"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Namespaces auth's Redis keys (throttle counters, OAuth flow state).
    redis_prefix: str = "auth:"
    # The gateway's URL as browsers see it: OAuth callbacks are built from it.
    public_url: str = "http://localhost:8000"
    frontend_url: str = Field(default="http://localhost:3000", validation_alias="FRONTEND_URL")

    # Signs the OAuth session cookie. Empty: a random one per process (one replica only).
    secret_key: SecretStr = SecretStr("")
    # Fernet keys, comma-separated, newest first: the first encrypts, all decrypt.
    # Empty: a random one per process, so stored secrets do not survive a restart.
    encryption_key: SecretStr = SecretStr("")

    token_issuer: str = "photo-platform"
    token_audience: str = "photo-platform"
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_days: int = 30
    # How long the JWKS is served from memory (and cached by clients) before it is read
    # again: a key that leaves it (retired, its tokens expired) leaves this much later.
    jwks_max_age_seconds: int = 5
    # A spent refresh token presented again this soon after its successor was issued, by
    # the same client, is a retry whose answer was lost (or a second tab), not a theft: it
    # gets that successor again. Long enough for a client to retry after a gateway timeout.
    refresh_reuse_grace_seconds: float = 30.0

    # Failed logins allowed per account and per client IP within the window.
    login_max_failures: int = 10
    login_ip_max_failures: int = 50
    login_window_seconds: int = 900
    # Peers whose X-Forwarded-For names the real client IP: the gateway, which reaches
    # auth over loopback or a private network; public peers are never believed.
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = (
        IPv4Network("127.0.0.0/8"),
        IPv4Network("10.0.0.0/8"),
        IPv4Network("172.16.0.0/12"),
        IPv4Network("192.168.0.0/16"),
        IPv6Network("::1/128"),
    )

    users_stream: str = "users"
    outbox_poll_seconds: float = 0.5
    # Where the services report an account deletion applied, and which must report it.
    deletions_stream: str = "user-deletions"
    deletion_services: tuple[str, ...] = ("social", "media", "igscraper")
    # An account without a password is deleted only this soon after a sign-in.
    deletion_sign_in_max_age_seconds: int = 600

    kakao_client_id: str = ""
    kakao_client_secret: SecretStr = SecretStr("")
    kakao_admin_key: SecretStr = SecretStr("")
    kakao_authorize_url: str = "https://kauth.kakao.com/oauth/authorize"
    kakao_token_url: str = "https://kauth.kakao.com/oauth/token"
    kakao_userinfo_url: str = "https://kapi.kakao.com/v2/user/me"
    kakao_unlink_url: str = "https://kapi.kakao.com/v1/user/unlink"

    google_client_id: str = ""
    google_client_secret: SecretStr = SecretStr("")
    # Google's authorize, token and JWKS URLs come from its discovery document.
    google_discovery_url: str = "https://accounts.google.com/.well-known/openid-configuration"

    meta_client_id: str = ""
    meta_client_secret: SecretStr = SecretStr("")
    meta_authorize_url: str = "https://www.facebook.com/v19.0/dialog/oauth"
    meta_graph_url: str = "https://graph.facebook.com/v19.0"

    oauth_timeout_seconds: float = 10.0

    # Mail: smtp://[user:password@]host:port (STARTTLS when the server offers it) or
    # smtps://... (TLS from the start). Empty: mail waits in the outbox until one is set.
    smtp_url: SecretStr = SecretStr("")
    mail_from: str = "Photogram <no-reply@localhost>"
    smtp_timeout_seconds: float = 10.0
    mail_poll_seconds: float = 0.5
    # While the SMTP server is down the relay retries with back-off, doubling up to this.
    mail_retry_max_seconds: float = 30.0
    # Links mailed for a password reset and for verifying an address.
    reset_token_ttl_seconds: int = 1800
    verify_token_ttl_seconds: int = 172800
    # Mail asked for per address and per client IP (forgot password, resend) per window.
    mail_max_per_address: int = 5
    mail_max_per_ip: int = 30
    mail_window_seconds: int = 3600
    # auth's revocations (a Redis hash and its stream of changes), read by every service's
    # token verifier: the same name as SOCIAL_/MEDIA_/IGSCRAPER_REVOCATIONS_KEY.
    revocations_key: str = "token-revocations"

    @property
    def cookie_secure(self) -> bool:
        return self.public_url.startswith("https://")

    # Passkeys belong to the site people see, the web app: its host is the WebAuthn
    # relying party, and its origin the only one a browser may sign for.
    @property
    def webauthn_rp_id(self) -> str:
        return urlsplit(self.frontend_url).hostname or "localhost"

    @property
    def webauthn_origin(self) -> str:
        parts = urlsplit(self.frontend_url)
        return f"{parts.scheme}://{parts.netloc}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
