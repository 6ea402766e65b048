"""AI images: ask the AI service, keep its picture as the caller's media, or fall back."""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from common.ids import UserId
from media.ai.client import request_image
from media.ai.placeholder import placeholder_data_uri
from media.ai.schemas import ImageGenerate, ImageGenerated
from media.config import Settings
from media.images import service as images
from media.images.exceptions import CorruptImage, ImageTooLarge, InvalidDimensions, NotAnImage
from media.images.schemas import MediaRead
from media.images.upload import spool_bytes
from media.storage import ObjectStore

logger = logging.getLogger(__name__)


def _placeholder(request: ImageGenerate) -> ImageGenerated:
    return ImageGenerated(
        ok=True, image=placeholder_data_uri(request.name), url=None, media_id=None, placeholder=True
    )


async def generate_image(
    *,
    session: AsyncSession,
    objects: ObjectStore,
    http: httpx.AsyncClient,
    pool: ThreadPoolExecutor,
    settings: Settings,
    owner_id: UserId,
    request: ImageGenerate,
) -> ImageGenerated:
    """An AI picture stored as the owner's media, or a placeholder when the service fails."""
    if not settings.ai_service_url:
        return _placeholder(request)
    answer = await request_image(
        http,
        base_url=settings.ai_service_url,
        payload=request.model_dump(),
        timeout=settings.ai_timeout_seconds,
        max_bytes=settings.ai_max_bytes,
    )
    if answer is None:
        return _placeholder(request)
    data_uri, data = answer
    upload = await asyncio.to_thread(spool_bytes, data)
    try:
        media, _ = await images.store_image(
            session=session,
            objects=objects,
            pool=pool,
            settings=settings,
            owner_id=owner_id,
            upload=upload,
        )
    except (NotAnImage, CorruptImage, ImageTooLarge, InvalidDimensions):
        # The service answered garbage: the user still gets a picture, just not that one.
        logger.warning("AI image service answered something that is not an image")
        return _placeholder(request)
    finally:
        upload.discard()
    read = MediaRead.build(
        media,
        public_url=settings.public_url,
        viewer_id=owner_id,
        signing_secret=settings.internal_token,
    )
    return ImageGenerated(
        ok=True, image=data_uri, url=read.urls.original, media_id=read.id, placeholder=False
    )
