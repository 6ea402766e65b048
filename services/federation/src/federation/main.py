"""The federation service: ActivityPub actors, documents, inbox and delivery."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from common.app import create_service_app, service_stack
from federation.activitypub import Urls
from federation.actors.router import router as actors_router
from federation.clients.media import MediaClient
from federation.clients.social import SocialClient
from federation.config import Settings, get_settings
from federation.database import MIGRATIONS
from federation.delivery.worker import Deliverer
from federation.discovery.router import router as discovery_router
from federation.events.router import router as events_router
from federation.events.service import EventTranslator
from federation.inbox.processor import InboxProcessor
from federation.inbox.router import router as inbox_router
from federation.keys.service import KeyStore
from federation.remote.fetcher import Fetcher
from federation.remote.router import router as remote_router
from federation.remote.service import RemoteActors
from federation.sweeper import Sweeper


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    async with service_stack(app, settings, MIGRATIONS) as stack:
        urls = Urls.of(settings)
        keys = KeyStore(settings.encryption_key)
        # The fediverse's client: no redirects of its own (remote_fetch follows them, each
        # checked) and no environment proxies. No bound on connections: the delivery loop
        # bounds its sends itself, and httpx's default 100 would queue them past it until
        # they time out in the queue. Few idle ones kept: the pool polls every idle
        # connection on each request, and a fan-out leaves one per remote host (300 kept
        # made a send ~15 ms instead of ~2 ms on loopback).
        http = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=20),
        )
        stack.push_async_callback(http.aclose)
        social = SocialClient(
            settings.social_url,
            token=settings.internal_token,
            timeout=settings.internal_timeout_seconds,
        )
        stack.push_async_callback(social.aclose)
        media = MediaClient(
            settings.media_url,
            token=settings.internal_token,
            timeout=settings.internal_timeout_seconds,
        )
        stack.push_async_callback(media.aclose)
        fetcher = Fetcher(http, settings=settings, keys=keys, urls=urls)
        actors = RemoteActors(
            app.state.sessionmaker, fetcher=fetcher, social=social, media=media, settings=settings
        )
        stack.push_async_callback(actors.close)
        app.state.urls = urls
        app.state.keys = keys
        app.state.social = social
        app.state.remote_actors = actors
        app.state.event_translator = EventTranslator(
            urls=urls, social=social, actors=actors, keys=keys, fetcher=fetcher
        )
        processor = InboxProcessor(
            app.state.sessionmaker,
            settings=settings,
            urls=urls,
            social=social,
            media=media,
            actors=actors,
            fetcher=fetcher,
        )
        deliverer = Deliverer(app.state.sessionmaker, http, settings=settings, keys=keys, urls=urls)
        await stack.enter_async_context(processor.loop())
        await stack.enter_async_context(deliverer.loop())
        await stack.enter_async_context(Sweeper(app.state.sessionmaker, settings=settings).loop())
        yield


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service="federation",
        title="Federation",
        settings=settings or get_settings(),
        lifespan=lifespan,
        routers=[discovery_router, actors_router, inbox_router, events_router, remote_router],
    )
