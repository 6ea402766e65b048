"""Actors' signing keys: made on first need, kept encrypted, held decrypted in memory."""

import asyncio
import logging
from dataclasses import dataclass

from cachetools import TTLCache
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pydantic import SecretStr
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from federation.keys.models import ActorKey

logger = logging.getLogger(__name__)

KEY_BITS = 2048
CACHE_SECONDS = 60


@dataclass(frozen=True)
class SigningKey:
    owner: str
    public_key_pem: str
    private_key: RSAPrivateKey


def _fernet(keys: SecretStr) -> MultiFernet:
    """The first key encrypts, any decrypts: FEDERATION_ENCRYPTION_KEY rotates by prepending."""
    parts = [k.strip() for k in keys.get_secret_value().split(",") if k.strip()]
    if not parts:
        logger.warning(
            "FEDERATION_ENCRYPTION_KEY is empty: actor keys made now won't survive a restart"
        )
        parts = [Fernet.generate_key().decode()]
    return MultiFernet([Fernet(k) for k in parts])


def _new_key_pair(box: MultiFernet) -> tuple[str, bytes]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return public_pem, box.encrypt(private_pem)


class KeyStore:
    def __init__(self, encryption_key: SecretStr) -> None:
        self._box = _fernet(encryption_key)
        # Decrypting and parsing a PEM costs ~1 ms; a busy delivery loop signs with the same
        # few keys over and over. For a minute only: a key another replica retired (its
        # account deleted, its name free again) is forgotten here soon after.
        self._cache: TTLCache[str, SigningKey] = TTLCache(maxsize=4096, ttl=CACHE_SECONDS)

    async def key(self, session: AsyncSession, owner: str) -> SigningKey:
        """`owner`'s key pair, made now if it has none (RSA-2048, as Mastodon's)."""
        if (cached := self._cache.get(owner)) is not None:
            return cached
        row = await session.get(ActorKey, owner)
        # A key made in this transaction is cached only once it is read back committed: a
        # rollback would leave this replica signing with a key nobody can fetch.
        stored = row is not None
        if row is None:
            public_pem, encrypted = await asyncio.to_thread(_new_key_pair, self._box)
            # Two replicas may make one at once: the first stored wins, both use it.
            await session.execute(
                insert(ActorKey)
                .values(owner=owner, public_key_pem=public_pem, private_key_encrypted=encrypted)
                .on_conflict_do_nothing()
            )
            row = (await session.scalars(select(ActorKey).where(ActorKey.owner == owner))).one()
        try:
            private_pem = self._box.decrypt(row.private_key_encrypted)
        except InvalidToken:
            # No configured key opens it: the encryption key was lost or changed without
            # rotation. A new pair lets the actor sign again; remote servers refetch a key
            # that stops verifying, so they pick the new one up.
            logger.warning("an actor key could not be decrypted: a new key pair replaces it")
            row.public_key_pem, row.private_key_encrypted = await asyncio.to_thread(
                _new_key_pair, self._box
            )
            await session.flush()
            stored = False
            private_pem = self._box.decrypt(row.private_key_encrypted)
        private = serialization.load_pem_private_key(private_pem, password=None)
        assert isinstance(private, RSAPrivateKey)
        key = SigningKey(owner=owner, public_key_pem=row.public_key_pem, private_key=private)
        if stored:
            self._cache[owner] = key
        return key

    async def retire(self, session: AsyncSession, owner: str, *, signs_pending: bool) -> None:
        """A deleted account's key: kept while its Delete still has deliveries to sign
        (the sweeper drops it after them), else dropped now."""
        self._cache.pop(owner, None)
        if signs_pending:
            await session.execute(
                update(ActorKey).where(ActorKey.owner == owner).values(retired_at=func.now())
            )
        else:
            await session.execute(delete(ActorKey).where(ActorKey.owner == owner))
