"""Storing, finding and deleting images, with quota and dedupe rules.

Write order for an upload: objects to S3 first, then the row and the quota reservation in
the request's transaction. Any failure after the objects are written deletes them again;
a crash in between leaves only objects without a row, which the sweeper removes.
"""

import asyncio
import functools
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import on_commit
from common.errors import DependencyUnavailable
from common.ids import UserId, new_id
from common.image_urls import Variant, is_valid
from common.pagination import PageRequest
from media.clients.social import SocialClient
from media.config import Settings
from media.images import repository
from media.images.exceptions import MediaNotFound, QuotaExceeded
from media.images.models import Media
from media.images.processing import ImageLimits, ProcessedImage, WebpOptions, process_image
from media.images.upload import ReceivedFile
from media.quota import repository as quota_repository
from media.storage import ObjectStore

logger = logging.getLogger(__name__)


def owner_prefix(owner_id: UserId) -> str:
    return f"media/{owner_id}/"


def media_prefix(owner_id: UserId, media_id: uuid.UUID) -> str:
    return f"{owner_prefix(owner_id)}{media_id}/"


async def list_owned(
    *, session: AsyncSession, owner_id: UserId, page: PageRequest[uuid.UUID]
) -> list[Media]:
    """One page of the owner's uploads, newest first (plus one row: is there a next page)."""
    return await repository.list_owned(
        session, owner_id=owner_id, before=page.after, limit=page.limit + 1
    )


async def _process(
    pool: ThreadPoolExecutor, settings: Settings, upload: ReceivedFile
) -> ProcessedImage:
    work = functools.partial(
        process_image,
        upload.path,
        limits=ImageLimits(max_pixels=settings.max_image_pixels, max_side=settings.max_image_side),
        webp=WebpOptions(quality=settings.webp_quality, method=settings.webp_method),
    )
    return await asyncio.get_running_loop().run_in_executor(pool, work)


async def remove_objects(objects: ObjectStore, keys: list[str]) -> None:
    """Best effort: what cannot be deleted now is an orphan the sweeper deletes later."""
    try:
        await objects.remove(keys)
    except Exception as exc:
        # One line, no traceback: during an S3 outage every delete lands here.
        logger.warning("could not delete objects; the sweeper will retry (%s)", type(exc).__name__)


async def store_image(
    *,
    session: AsyncSession,
    objects: ObjectStore,
    pool: ThreadPoolExecutor,
    settings: Settings,
    owner_id: UserId,
    upload: ReceivedFile,
    pending: bool = False,
    description: str | None = None,
    source_url: str | None = None,
) -> tuple[Media, bool]:
    """Store `upload` as the owner's media; `(existing, False)` when they already have it.
    A `pending` one is for a post about to be made: reclaimed unless a post attaches it.
    `description` (alt text) replaces the existing one's: it is what the owner says now.
    A `source_url` one is another server's image, fetched for a remote profile: counted in
    its usage but never refused for it (nobody chose to upload it)."""
    existing = await repository.get_by_sha256(session, owner_id=owner_id, sha256=upload.sha256)
    if existing is not None:
        if existing.pending and not pending:
            await repository.attach(session, existing)
        if description is not None:
            await repository.set_description(session, existing, description)
        return existing, False
    quota_bytes = None if source_url else settings.quota_bytes
    # A cheap early refusal; the exact, race-free check is the reservation below.
    used = await quota_repository.used_bytes(session, owner_id)
    if quota_bytes is not None and used + upload.size > quota_bytes:
        raise QuotaExceeded(limit_bytes=quota_bytes, used_bytes=used)
    processed = await _process(pool, settings, upload)

    media_id = new_id()
    prefix = media_prefix(owner_id, media_id)
    keys = {
        "original": f"{prefix}original",
        "thumb_small": f"{prefix}thumb_small.webp",
        "thumb_large": f"{prefix}thumb_large.webp",
    }
    original = processed.cleaned_original or upload.path
    original_size = len(processed.cleaned_original or b"") or upload.size
    stored_bytes = original_size + sum(len(t) for t in processed.thumbs.values())
    try:
        await asyncio.gather(
            objects.put(keys["original"], original, processed.content_type),
            objects.put(keys["thumb_small"], processed.thumbs["small"], "image/webp"),
            objects.put(keys["thumb_large"], processed.thumbs["large"], "image/webp"),
        )
        media = await repository.insert_unless_duplicate(
            session,
            {
                "id": media_id,
                "owner_id": owner_id,
                "sha256": upload.sha256,
                "content_type": processed.content_type,
                "width": processed.width,
                "height": processed.height,
                "bytes": upload.size,
                "stored_bytes": stored_bytes,
                "original_key": keys["original"],
                "thumb_small_key": keys["thumb_small"],
                "thumb_large_key": keys["thumb_large"],
                "pending": pending,
                "description": description or "",
                "blurhash": processed.blurhash,
                "source_url": source_url,
                **asdict(processed.exif),
            },
        )
        if media is None:
            # The same bytes were stored by a concurrent request of this owner, which won.
            await remove_objects(objects, list(keys.values()))
            winner = await repository.get_by_sha256(
                session, owner_id=owner_id, sha256=upload.sha256
            )
            assert winner is not None
            return winner, False
        if not await quota_repository.reserve(
            session, owner_id=owner_id, size=stored_bytes, limit=quota_bytes
        ):
            raise QuotaExceeded(limit_bytes=quota_bytes)
    except BaseException:
        await remove_objects(objects, list(keys.values()))
        raise
    return media, True


async def delete_media(*, session: AsyncSession, objects: ObjectStore, media: Media) -> None:
    """Delete the row and free its quota; the objects go once that has committed (a failed
    commit keeps them, a failed delete leaves orphans the sweeper removes)."""
    await repository.delete_row(session, media)
    await quota_repository.release(session, owner_id=media.owner_id, size=media.stored_bytes)
    keys = media.object_keys
    on_commit(session, lambda: remove_objects(objects, keys))


async def attach_media(*, session: AsyncSession, media: Media) -> None:
    """A post now shows this media: no longer pending, and its bytes are served only on a
    link social signed, or to its owner (idempotent)."""
    await repository.show_in_post(session, media)


async def describe(
    *, session: AsyncSession, media: Media, description: str, social: SocialClient
) -> Media:
    """Set the media's alt text; once committed, the posts showing it take it too."""
    await repository.set_description(session, media, description)
    if not media.signed_only:
        return media  # no post shows it

    async def tell_social() -> None:
        # Best effort, after the commit: a social that is down now leaves the posts with
        # the former alt text (logged), never the media without its new one.
        try:
            await social.set_alt(media.id, description)
        except DependencyUnavailable:
            logger.warning("alt text not passed on to social", extra={"media_id": str(media.id)})

    on_commit(session, tell_social)
    return media


def ensure_viewable(
    *,
    media: Media,
    variant: Variant,
    viewer_id: UserId | None,
    expires: int | None,
    signature: str | None,
    secret: SecretStr,
) -> None:
    """404, as for a media that does not exist, unless the media is open to all, the
    viewer owns it, or the link was signed by social (which checked the viewer)."""
    if not media.signed_only or viewer_id == media.owner_id:
        return
    if not is_valid(secret, media.id, variant, expires=expires, signature=signature):
        raise MediaNotFound()
