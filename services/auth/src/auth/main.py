"""The auth service: accounts, tokens and sign-in."""

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path

import httpx2
from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from auth.apps.router import router as apps_router
from auth.config import Settings, get_settings
from auth.credentials.router import router as credentials_router
from auth.credentials.service import answer_reset_requests
from auth.credentials.throttle import MailThrottle
from auth.crypto import SecretBox
from auth.deletions.consumer import deletion_reports
from auth.deletions.router import router as deletions_router
from auth.instagram.router import router as instagram_router
from auth.keys.router import router as keys_router
from auth.keys.service import PublishedKeys, Signer, ensure_signing_key
from auth.keys.verifier import LocalTokenVerifier
from auth.mail.service import MailRelay
from auth.mfa.router import router as mfa_router
from auth.mfa.service import MAX_CODE_FAILURES
from auth.oauth.providers import oauth_clients
from auth.oauth.router import router as oauth_router
from auth.outbox.service import publish_pending
from auth.passkeys.router import router as passkeys_router
from auth.passkeys.service import PasskeyChallenges
from auth.sessions.mfa_tokens import MfaTokens
from auth.sessions.revocations import TokenRevoker, publish_pending_revocations
from auth.sessions.router import router as sessions_router
from auth.sessions.throttle import LoginThrottle
from auth.users.router import router as users_router
from common.app import create_service_app, service_stack
from common.db import transaction
from common.loops import BackgroundLoop
from common.tokens import Revocations, following_revocations

MIGRATIONS = Path(__file__).parent / "migrations"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    async with service_stack(app, settings, MIGRATIONS) as stack:
        redis = app.state.redis
        box = SecretBox(settings.encryption_key.get_secret_value())
        async with transaction(app.state.sessionmaker) as session:
            await ensure_signing_key(session=session, box=box)
        signer = Signer(box)
        app.state.secret_box = box
        app.state.signer = signer
        app.state.published_keys = PublishedKeys(
            sessionmaker=app.state.sessionmaker,
            signer=signer,
            access_token_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
            max_age=settings.jwks_max_age_seconds,
        )
        app.state.login_throttle = LoginThrottle(redis, settings)
        app.state.mail_throttle = MailThrottle(redis, settings)
        app.state.token_revoker = TokenRevoker(redis, settings.revocations_key)
        # Auth's own verifier leaves revoked tokens to CurrentAccount, which checks these:
        # GET /auth/me/deletion still answers to the token of the account just deleted.
        app.state.revocations = Revocations(redis, settings.revocations_key)
        await stack.enter_async_context(following_revocations(app.state.revocations))
        app.state.mfa_throttle = LoginThrottle(
            redis, settings, name="mfa-failures", account_limit=MAX_CODE_FAILURES
        )
        app.state.mfa_tokens = MfaTokens(redis, settings)
        app.state.passkey_challenges = PasskeyChallenges(redis, settings)
        app.state.token_verifier = LocalTokenVerifier(
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            sessionmaker=app.state.sessionmaker,
            signer=signer,
            access_token_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        )
        stack.push_async_callback(app.state.token_verifier.aclose)
        app.state.oauth = oauth_clients(settings, redis)
        app.state.http = await stack.enter_async_context(
            httpx2.AsyncClient(timeout=settings.oauth_timeout_seconds)
        )
        await stack.enter_async_context(deletion_reports(app, settings))
        await stack.enter_async_context(
            BackgroundLoop(
                "user events outbox relay",
                partial(
                    publish_pending,
                    sessionmaker=app.state.sessionmaker,
                    redis=redis,
                    stream=settings.users_stream,
                ),
                interval_seconds=settings.outbox_poll_seconds,
            )
        )
        await stack.enter_async_context(
            BackgroundLoop(
                "token revocations outbox relay",
                partial(
                    publish_pending_revocations,
                    sessionmaker=app.state.sessionmaker,
                    revoker=app.state.token_revoker,
                ),
                interval_seconds=settings.outbox_poll_seconds,
            )
        )
        await stack.enter_async_context(
            BackgroundLoop(
                "password reset requests",
                partial(
                    answer_reset_requests,
                    sessionmaker=app.state.sessionmaker,
                    box=box,
                    settings=settings,
                ),
                interval_seconds=settings.mail_poll_seconds,
            )
        )
        relay = MailRelay(
            sessionmaker=app.state.sessionmaker,
            box=box,
            smtp_url=settings.smtp_url.get_secret_value(),
            sender=settings.mail_from,
            timeout=settings.smtp_timeout_seconds,
        )
        await stack.enter_async_context(
            BackgroundLoop(
                "mail relay",
                relay.relay_pending,
                interval_seconds=settings.mail_poll_seconds,
                max_retry_seconds=settings.mail_retry_max_seconds,
            )
        )
        yield


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = create_service_app(
        service="auth",
        title="Auth",
        settings=settings,
        lifespan=lifespan,
        routers=[
            keys_router,
            users_router,
            deletions_router,
            sessions_router,
            credentials_router,
            mfa_router,
            passkeys_router,
            oauth_router,
            instagram_router,
            apps_router,
        ],
    )
    # Holds only which OAuth flows this browser started (state markers); the PKCE
    # verifier, nonce and `next` stay server-side in Redis (see auth.oauth.providers).
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value() or secrets.token_urlsafe(32),
        session_cookie="oauth_session",
        max_age=600,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    return app
