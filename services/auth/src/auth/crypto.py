"""Encryption at rest for the secrets auth must keep: signing keys and Meta tokens."""

import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

logger = logging.getLogger(__name__)


class SecretBox:
    """Fernet (AES-128-CBC + HMAC): the first key encrypts, every key decrypts, so keys rotate."""

    def __init__(self, keys: str) -> None:
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        if not parts:
            logger.warning("AUTH_ENCRYPTION_KEY is empty: stored secrets won't survive a restart")
            parts = [Fernet.generate_key().decode()]
        self._fernet = MultiFernet([Fernet(k) for k in parts])

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def decrypt(self, ciphertext: bytes) -> str:
        """Raises `InvalidToken` when no configured key opens it."""
        return self._fernet.decrypt(ciphertext).decode()


__all__ = ["InvalidToken", "SecretBox"]
