"""Caching Instagram profile pictures: fetched once, refreshed after a TTL, served by us."""

import asyncio
import functools
import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from media.avatars import repository
from media.avatars.exceptions import AvatarFetchFailed
from media.avatars.models import IgAvatar
from media.config import Settings
from media.images.exceptions import FileTooLarge
from media.images.processing import ImageLimits, sniff_image
from media.storage import ObjectStore


def avatar_key(ig_user_id: str) -> str:
    return f"ig-avatars/{ig_user_id}"


async def fetch_limited(http: httpx.AsyncClient, url: str, *, max_bytes: int) -> bytes:
    """The body at `url`, refused as soon as it passes `max_bytes`."""
    try:
        async with http.stream("GET", url) as response:
            if response.status_code != 200:
                raise AvatarFetchFailed(upstream_status=response.status_code)
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise FileTooLarge(max_bytes=max_bytes)
    except httpx.HTTPError as exc:
        # The URL itself stays out of the message: signed CDN links are not for logs.
        raise AvatarFetchFailed(reason=type(exc).__name__) from exc
    return bytes(body)


async def cache_avatar(
    *,
    session: AsyncSession,
    objects: ObjectStore,
    http: httpx.AsyncClient,
    pool: ThreadPoolExecutor,
    settings: Settings,
    ig_user_id: str,
    url: str,
) -> tuple[IgAvatar, bool]:
    """The cached picture, fetched from `url` first when missing or older than the TTL."""
    cached = await repository.get(session, ig_user_id)
    now = datetime.now(UTC)
    if cached is not None and now - cached.fetched_at < timedelta(
        seconds=settings.avatar_ttl_seconds
    ):
        return cached, False
    try:
        # One deadline for the whole download: a server that trickles bytes is cut off too.
        async with asyncio.timeout(settings.avatar_fetch_timeout_seconds):
            data = await fetch_limited(http, url, max_bytes=settings.avatar_max_bytes)
    except TimeoutError as exc:
        raise AvatarFetchFailed(
            "The picture took too long to fetch", status=504, code="avatar_fetch_timeout"
        ) from exc
    limits = ImageLimits(max_pixels=settings.max_image_pixels, max_side=settings.max_image_side)
    content_type = await asyncio.get_running_loop().run_in_executor(
        pool, functools.partial(sniff_image, data, limits=limits)
    )
    key = avatar_key(ig_user_id)
    # Same key on refresh: the row and the object are replaced together, never orphaned.
    await objects.put(key, data, content_type)
    avatar = await repository.upsert(
        session,
        {
            "ig_user_id": ig_user_id,
            "object_key": key,
            "content_type": content_type,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "fetched_at": now,
        },
    )
    return avatar, True
