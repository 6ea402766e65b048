"""Signed image URLs: social, which decides who may see a post, hands out links to its
images that media can check without asking it back.

A signature is an HMAC over (media id, variant, expiry) with a key derived from the
internal token both services already share. The expiry is rounded up to a time bucket, so
a link stays the same (and cacheable) for a while instead of changing on every request.
"""

import functools
import hashlib
import hmac
import math
import time
import uuid
from typing import Literal

from pydantic import SecretStr

Variant = Literal["original", "thumb_small", "thumb_large"]

# A link lives at least this long after it is handed out...
TTL_SECONDS = 3600
# ...and at most this much longer: every link handed out within a bucket is the same one.
BUCKET_SECONDS = 900
_KEY_CONTEXT = b"image-url-v1"


@functools.lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    # Derived, so a leaked URL signature says nothing usable about the internal token.
    return hmac.digest(secret.encode(), _KEY_CONTEXT, hashlib.sha256)


# Media checks the same links again and again (every view of a popular image).
@functools.lru_cache(maxsize=65536)
def _signature(secret: str, media_id: uuid.UUID | str, variant: str, expires: int) -> str:
    message = f"{media_id}:{variant}:{expires}".encode()
    return hmac.digest(_key(secret), message, hashlib.sha256).hex()[:32]


def expiry(now: float | None = None) -> int:
    """When a link handed out now expires: the end of its bucket."""
    at = time.time() if now is None else now
    return math.ceil((at + TTL_SECONDS) / BUCKET_SECONDS) * BUCKET_SECONDS


def signed_query(
    secret: SecretStr, media_id: uuid.UUID | str, variant: Variant, *, now: float | None = None
) -> str:
    """`exp=...&sig=...` for a link to this variant of the image."""
    expires = expiry(now)
    return f"exp={expires}&sig={_signature(secret.get_secret_value(), media_id, variant, expires)}"


def is_valid(
    secret: SecretStr,
    media_id: uuid.UUID,
    variant: str,
    *,
    expires: int | None,
    signature: str | None,
    now: float | None = None,
) -> bool:
    """Whether a link's signature is ours and has not expired (an unset secret: never)."""
    if not secret.get_secret_value() or expires is None or not signature:
        return False
    if expires < (time.time() if now is None else now):
        return False
    expected = _signature(secret.get_secret_value(), media_id, variant, expires)
    return hmac.compare_digest(expected.encode(), signature.encode())
