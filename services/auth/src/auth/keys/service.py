"""Signing keys: ES256 (P-256), generated on first start, rotated on demand.

A rotation makes a new key sign; the retired key's public half stays in the JWKS until
every access token it signed has expired.
"""

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from joserfc import jwt
from joserfc._keys import KeySetSerialization
from joserfc.jwk import ECKey, KeySet
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.crypto import InvalidToken, SecretBox
from auth.keys import repository
from auth.keys.models import SigningKey
from common.db import transaction

logger = logging.getLogger(__name__)

ALGORITHM = "ES256"
# Covers clock skew between us and the verifiers.
PUBLISH_LEEWAY = timedelta(minutes=1)


def _generate(box: SecretBox) -> SigningKey:
    key = ECKey.generate_key("P-256", parameters={"alg": ALGORITHM, "use": "sig"}, auto_kid=True)
    return SigningKey(
        kid=key.kid,
        private_key_encrypted=box.encrypt(key.as_pem(private=True).decode()),
        public_jwk=key.as_dict(private=False),
    )


def _opens(box: SecretBox, key: SigningKey) -> bool:
    try:
        box.decrypt(key.private_key_encrypted)
    except InvalidToken:
        return False
    return True


async def rotate_signing_key(*, session: AsyncSession, box: SecretBox) -> SigningKey:
    """Retire the signing key and make a new one sign from now on."""
    await repository.retire_active(session, at=datetime.now(UTC))
    key = await repository.add(session, _generate(box))
    logger.info("signing key rotated", extra={"kid": key.kid})
    return key


async def ensure_signing_key(*, session: AsyncSession, box: SecretBox) -> SigningKey:
    """Make sure a usable signing key exists; replicas starting together create only one."""
    await repository.lock_key_creation(session)
    active = await repository.get_active(session)
    if active is not None and _opens(box, active):
        return active
    if active is not None:
        # A changed AUTH_ENCRYPTION_KEY: the old key is unusable, but its tokens still verify.
        logger.warning("the signing key cannot be decrypted; rotating to a new one")
    return await rotate_signing_key(session=session, box=box)


async def published_jwks(*, session: AsyncSession, access_token_ttl: timedelta) -> dict[str, Any]:
    """The public keys a verifier may meet: the signing key and recently retired ones."""
    retired_after = datetime.now(UTC) - access_token_ttl - PUBLISH_LEEWAY
    keys = await repository.list_published(session, retired_after=retired_after)
    return {"keys": [key.public_jwk for key in keys]}


class Signer:
    """Signs with the newest key in the database, so a rotation by any process takes effect
    everywhere; decrypted keys are cached by kid."""

    def __init__(self, box: SecretBox) -> None:
        self.box = box
        self._private: dict[str, ECKey] = {}
        # The kid this process last signed with: a new one means a rotation happened.
        self.signing_kid: str | None = None

    async def sign(self, *, session: AsyncSession, claims: dict[str, Any]) -> str:
        key = await repository.get_active(session)
        if key is None:
            raise RuntimeError("no signing key: ensure_signing_key runs at startup")
        private = self._private.get(key.kid)
        if private is None:
            pem = self.box.decrypt(key.private_key_encrypted)
            private = ECKey.import_key(pem, parameters={"kid": key.kid})
            self._private[key.kid] = private
        self.signing_kid = key.kid
        return jwt.encode({"alg": ALGORITHM, "kid": key.kid, "typ": "JWT"}, claims, private)

    async def public_keys(self, *, session: AsyncSession, access_token_ttl: timedelta) -> KeySet:
        jwks = await published_jwks(session=session, access_token_ttl=access_token_ttl)
        return KeySet.import_key_set(cast(KeySetSerialization, jwks))


class PublishedKeys:
    """The JWKS as the endpoint serves it, from memory: read from the database at most
    every `max_age` seconds, and at once when this process has signed with a key the copy
    lacks (a rotation, by this process or an operator's `python -m auth.keys rotate`), so a
    verifier that refetches on the new kid finds it."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        signer: Signer,
        access_token_ttl: timedelta,
        max_age: float,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.signer = signer
        self.access_token_ttl = access_token_ttl
        self.max_age = max_age
        self._jwks: dict[str, Any] | None = None
        self._kids: frozenset[str] = frozenset()
        self._read_at = 0.0
        self._lock = asyncio.Lock()

    def _stale(self) -> bool:
        return (
            self._jwks is None
            or time.monotonic() - self._read_at >= self.max_age
            or (self.signer.signing_kid is not None and self.signer.signing_kid not in self._kids)
        )

    async def get(self) -> dict[str, Any]:
        if self._stale():
            async with self._lock:  # concurrent requests share one read
                if self._stale():
                    async with transaction(self.sessionmaker) as session:
                        jwks = await published_jwks(
                            session=session, access_token_ttl=self.access_token_ttl
                        )
                    self._jwks, self._read_at = jwks, time.monotonic()
                    self._kids = frozenset(key["kid"] for key in jwks["keys"])
        assert self._jwks is not None
        return self._jwks
