"""The media service: images in S3, thumbnails, EXIF, quotas, avatar cache and AI images."""

import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from common.app import create_service_app, service_stack
from common.tokens import token_verification
from media.accounts.consumer import user_events
from media.ai.router import router as ai_router
from media.avatars.router import internal_router as avatars_internal_router
from media.avatars.router import router as avatars_router
from media.blurhash_backfill import blurhash_backfill
from media.clients.social import social_client
from media.config import Settings, get_settings
from media.images.router import internal_router as images_internal_router
from media.images.router import router as images_router
from media.mastodon.router import router as mastodon_router
from media.quota.router import router as quota_router
from media.remote.router import internal_router as remote_internal_router
from media.storage import object_storage
from media.sweeper import orphan_sweeper

MIGRATIONS = Path(__file__).parent / "migrations"


@asynccontextmanager
async def image_pool(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """Lifespan part: the threads that run Pillow; their count bounds decode memory too."""
    pool = ThreadPoolExecutor(max_workers=settings.image_workers, thread_name_prefix="image")
    app.state.image_pool = pool
    try:
        yield
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@asynccontextmanager
async def http_client(app: FastAPI) -> AsyncIterator[None]:
    """Lifespan part: one pooled client for the AI service, Instagram's CDN and remote
    media (common.remote_fetch follows redirects itself, checking each); each call sets
    its own overall deadline."""
    async with httpx.AsyncClient(follow_redirects=True, max_redirects=3) as client:
        app.state.http = client
        yield


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    async with service_stack(app, settings, MIGRATIONS) as stack:
        await stack.enter_async_context(token_verification(app, settings))
        await stack.enter_async_context(object_storage(app, settings))
        await stack.enter_async_context(image_pool(app, settings))
        await stack.enter_async_context(http_client(app))
        await stack.enter_async_context(social_client(app, settings))
        await stack.enter_async_context(orphan_sweeper(app, settings))
        await stack.enter_async_context(blurhash_backfill(app, settings))
        await stack.enter_async_context(user_events(app, settings))
        yield


def create_app(settings: Settings | None = None) -> FastAPI:
    app = create_service_app(
        service="media",
        title="Media",
        settings=settings or get_settings(),
        lifespan=lifespan,
        # Fixed paths before /media/{media_id}, which would otherwise claim them.
        routers=[
            quota_router,
            avatars_router,
            images_router,
            ai_router,
            mastodon_router,
            images_internal_router,
            avatars_internal_router,
            remote_internal_router,
        ],
    )
    # httpx logs every request's full URL at INFO, and Instagram's CDN URLs carry signatures.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return app
