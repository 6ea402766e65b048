"""Instagram session cookies: checked for shape, kept only Fernet-encrypted in Redis next to
the job, and wiped when the job ends. They never reach Postgres, a log line or an error."""

import json
import logging
import re
import secrets
import uuid
from dataclasses import dataclass, field
from urllib.parse import unquote

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr
from redis.asyncio import Redis

from common.errors import ApiError
from igscraper.config import Settings

logger = logging.getLogger(__name__)

# The `sessionid` cookie: "<viewer pk>:<token>:<shard>[:<signature>]", its colons as they
# are or URL-encoded, as a browser's cookie list may show them. The API documents these
# patterns, so nothing else is accepted (no trimming either).
_COLON = "(?::|%3[Aa])"
SESSION_ID_PATTERN = (
    rf"^(\d{{1,20}}){_COLON}[A-Za-z0-9_-]{{6,128}}{_COLON}\d{{1,4}}"
    rf"(?:{_COLON}[A-Za-z0-9_:.+/=-]{{0,512}})?$"
)
SESSION_ID = re.compile(SESSION_ID_PATTERN)
CSRF_TOKEN_PATTERN = r"^[A-Za-z0-9_-]{8,128}$"
CSRF_TOKEN = re.compile(CSRF_TOKEN_PATTERN)


@dataclass(frozen=True)
class InstagramCredentials:
    # repr=False: a stray log of this object shows the viewer, never the cookies.
    session_id: str = field(repr=False)
    csrf_token: str = field(repr=False)
    viewer_id: str


def parse_credentials(*, session_id: str, csrf_token: str | None) -> InstagramCredentials:
    """Check the cookies' shape (never echoing them) and name the viewer they belong to."""
    match = SESSION_ID.fullmatch(session_id)
    if match is None:
        raise ApiError(
            "session_id is not an Instagram sessionid cookie",
            status=422,
            code="invalid_session_id",
        )
    if csrf_token is not None and not CSRF_TOKEN.fullmatch(csrf_token):
        raise ApiError(
            "csrf_token is not an Instagram csrftoken cookie", status=422, code="invalid_csrf_token"
        )
    # Instagram compares the csrftoken cookie with the X-CSRFToken header (double submit),
    # so a token of our own works when the user has none at hand.
    return InstagramCredentials(
        session_id=unquote(session_id),
        csrf_token=csrf_token or secrets.token_urlsafe(24),
        viewer_id=match.group(1),
    )


class CredentialVault:
    """One encrypted Redis key per analysis, with a TTL so a lost job cannot keep it."""

    def __init__(self, redis: Redis, *, key: SecretStr, prefix: str, ttl_seconds: int) -> None:
        self.redis = redis
        self.fernet = Fernet(key.get_secret_value())
        self.prefix = prefix
        self.ttl_seconds = ttl_seconds

    def key(self, analysis_id: uuid.UUID | str) -> str:
        return f"{self.prefix}:credentials:{analysis_id}"

    async def store(self, analysis_id: uuid.UUID, credentials: InstagramCredentials) -> None:
        plain = json.dumps(
            {"session_id": credentials.session_id, "csrf_token": credentials.csrf_token}
        )
        token = self.fernet.encrypt(plain.encode())
        await self.redis.set(self.key(analysis_id), token, ex=self.ttl_seconds)

    async def load(self, analysis_id: uuid.UUID | str) -> InstagramCredentials | None:
        token = await self.redis.get(self.key(analysis_id))
        if token is None:
            return None
        try:
            plain = json.loads(self.fernet.decrypt(token))
        except InvalidToken:
            return None  # encrypted with a key that has since been rotated
        return parse_credentials(session_id=plain["session_id"], csrf_token=plain["csrf_token"])

    async def wipe(self, analysis_id: uuid.UUID | str) -> None:
        await self.redis.delete(self.key(analysis_id))


def vault_from_settings(redis: Redis, settings: Settings) -> CredentialVault | None:
    if settings.credentials_key is None:
        logger.warning("IGSCRAPER_CREDENTIALS_KEY is unset: no analysis can run")
        return None
    return CredentialVault(
        redis,
        key=settings.credentials_key,
        prefix=settings.queue_name,
        ttl_seconds=settings.credentials_ttl_seconds,
    )
