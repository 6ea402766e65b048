"""The Authlib clients for each provider, built from settings (every URL is one).

Flow state lives server-side: Authlib keeps the PKCE verifier, nonce, redirect URI and
our `next` in Redis under the state value, and the browser's signed session cookie
only marks which states it started, which ties the callback to the browser that began
the flow (RFC 6749 §10.12) without putting the verifier in a cookie.
"""

from typing import Literal, get_args

from authlib.integrations.starlette_client import OAuth
from redis.asyncio import Redis

from auth.config import Settings

LoginProvider = Literal["kakao", "google", "meta"]
LOGIN_PROVIDERS: tuple[LoginProvider, ...] = get_args(LoginProvider)
# Meta's Graph API client for Instagram linking: same app, other scopes and callback.
INSTAGRAM = "instagram"


class RedisStateCache:
    """The cache protocol Authlib's Starlette integration awaits: get, set, delete."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = f"{prefix}oauth:"

    async def get(self, key: str) -> str | None:
        result: str | None = await self.redis.get(self.prefix + key)
        return result

    async def set(self, key: str, value: str, expires: int | None = None) -> None:
        await self.redis.set(self.prefix + key, value, ex=expires)

    async def delete(self, key: str) -> None:
        await self.redis.delete(self.prefix + key)


def oauth_clients(settings: Settings, redis: Redis) -> OAuth:
    """Only providers with a client id are registered; the others answer 404."""
    oauth = OAuth(cache=RedisStateCache(redis, settings.redis_prefix))
    common = {"code_challenge_method": "S256", "timeout": settings.oauth_timeout_seconds}
    if settings.kakao_client_id:
        oauth.register(
            "kakao",
            client_id=settings.kakao_client_id,
            client_secret=settings.kakao_client_secret.get_secret_value(),
            authorize_url=settings.kakao_authorize_url,
            access_token_url=settings.kakao_token_url,
            # Kakao reads the secret from the form body only.
            client_kwargs={**common, "token_endpoint_auth_method": "client_secret_post"},
        )
    if settings.google_client_id:
        oauth.register(
            "google",
            client_id=settings.google_client_id,
            client_secret=settings.google_client_secret.get_secret_value(),
            server_metadata_url=settings.google_discovery_url,
            client_kwargs={**common, "scope": "openid email profile"},
        )
    if settings.meta_client_id:
        meta = {
            "client_id": settings.meta_client_id,
            "client_secret": settings.meta_client_secret.get_secret_value(),
            "authorize_url": settings.meta_authorize_url,
            "access_token_url": f"{settings.meta_graph_url}/oauth/access_token",
        }
        post = {**common, "token_endpoint_auth_method": "client_secret_post"}
        oauth.register("meta", **meta, client_kwargs={**post, "scope": "email public_profile"})
        oauth.register(
            INSTAGRAM,
            **meta,
            client_kwargs={**post, "scope": "instagram_basic pages_show_list"},
        )
    return oauth


def configured_login_providers(oauth: OAuth) -> list[LoginProvider]:
    """The sign-in providers registered above, in a stable order."""
    return [name for name in LOGIN_PROVIDERS if oauth.create_client(name) is not None]
