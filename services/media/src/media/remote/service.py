"""Remote media: another server's image, fetched once and kept like an upload, so that
browsers load it from us (never hot-linked) with thumbnails, a blurhash and no GPS."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from common.ids import UserId
from common.remote_fetch import FetchPolicy, RemoteRefused, fetch
from media.config import Settings
from media.images import repository
from media.images import service as images
from media.images.exceptions import CorruptImage, ImageTooLarge, InvalidDimensions, NotAnImage
from media.images.models import Media
from media.images.upload import spool_bytes
from media.storage import ObjectStore


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        allow_private=settings.federation_allow_private_peers,
        max_bytes=settings.remote_media_max_bytes,
        timeout=settings.remote_media_timeout_seconds,
    )


async def store_remote_image(
    *,
    session: AsyncSession,
    objects: ObjectStore,
    http: httpx.AsyncClient,
    pool: ThreadPoolExecutor,
    settings: Settings,
    owner_id: UserId,
    url: str,
) -> tuple[Media, bool]:
    """The image at `url` stored as `owner_id`'s media; `(existing, False)` when this
    owner has it already (the same URL, or the same bytes)."""
    existing = await repository.get_by_source_url(session, owner_id=owner_id, source_url=url)
    if existing is not None:
        return existing, False
    _, body = await fetch(http, "GET", url, policy=fetch_policy(settings))
    upload = await asyncio.to_thread(spool_bytes, body)
    try:
        return await images.store_image(
            session=session,
            objects=objects,
            pool=pool,
            settings=settings,
            owner_id=owner_id,
            upload=upload,
            source_url=url,
        )
    except (NotAnImage, CorruptImage, ImageTooLarge, InvalidDimensions) as exc:
        # The caller's request was fine; what the remote served is refused (422, with the
        # upload's code saying why), not the caller's body (413/415).
        raise RemoteRefused(exc.message, code=exc.code) from exc
    finally:
        upload.discard()
