"""The social service: profiles, posts, reactions, comments, follows and feeds."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from common.app import create_service_app, service_stack
from common.reads import read_pool
from common.tokens import token_verification
from social.accounts.consumer import user_events
from social.bookmarks.router import router as bookmarks_router
from social.clients.auth import auth_client
from social.clients.federation import federation_client
from social.clients.media import media_client
from social.comments.router import router as comments_router
from social.config import Settings, get_settings
from social.federation.router import router as federation_router
from social.federation_events.relay import federation_outbox
from social.feeds.router import router as feeds_router
from social.follows.router import router as follows_router
from social.links import Links
from social.mastodon.router import router as mastodon_router
from social.media_deletions.relay import media_deletion_relay
from social.notifications.router import router as notifications_router
from social.posts.image_sync import image_sync
from social.posts.router import internal_router as posts_internal_router
from social.posts.router import router as posts_router
from social.profiles.router import router as profiles_router
from social.reactions.router import router as reactions_router
from social.restrictions.router import router as restrictions_router
from social.tags.router import router as tags_router

MIGRATIONS = Path(__file__).parent / "migrations"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    app.state.known_profiles = {}
    app.state.links = Links(settings.public_url.rstrip("/"), settings.internal_token)
    async with service_stack(app, settings, MIGRATIONS) as stack:
        await stack.enter_async_context(
            read_pool(app, settings.database_url, max_size=settings.database_pool_size)
        )
        await stack.enter_async_context(token_verification(app, settings))
        await stack.enter_async_context(media_client(app, settings))
        await stack.enter_async_context(auth_client(app, settings))
        # Before anything that writes: the outbox must be on for the first session.
        await stack.enter_async_context(federation_client(app, settings))
        await stack.enter_async_context(federation_outbox(app, settings))
        await stack.enter_async_context(user_events(app, settings))
        await stack.enter_async_context(media_deletion_relay(app, settings))
        await stack.enter_async_context(image_sync(app))
        yield


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service="social",
        title="Social",
        settings=settings or get_settings(),
        lifespan=lifespan,
        # Routes are tried in order, so the most frequent requests come first: the feeds
        # (GET /posts lists too; the posts router only has /posts/{id} reads), then the
        # Mastodon client API. Blocks, mutes and bookmarks before profiles:
        # /users/me/blocks is not a user's page.
        routers=[
            feeds_router,
            mastodon_router,
            restrictions_router,
            bookmarks_router,
            profiles_router,
            follows_router,
            posts_router,
            reactions_router,
            comments_router,
            notifications_router,
            tags_router,
            posts_internal_router,
            federation_router,
        ],
    )
