"""Signing in with a provider: find, create or link the account behind an identity."""

import logging
import uuid

import httpx2
from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from auth.config import Settings
from auth.oauth.flow import FlowError, begin, finish
from auth.oauth.profiles import ProviderProfile, fetch_profile
from auth.sessions.service import signed_in_user
from auth.users import repository as users_repository
from auth.users.models import Identity, User
from auth.users.service import create_social_user
from common.errors import ApiError, Conflict, NotFound

logger = logging.getLogger(__name__)


def provider_client(oauth: OAuth, provider: str) -> StarletteOAuth2App:
    client = oauth.create_client(provider)
    if client is None:
        raise NotFound(f"Sign-in with {provider} is not configured", code="provider_not_configured")
    return client


async def start_sign_in(
    *,
    request: Request,
    client: StarletteOAuth2App,
    provider: str,
    settings: Settings,
    next_path: str,
    linking_user: User | None,
) -> str:
    """The provider URL to send the browser to; a signed-in user will link instead."""
    return await begin(
        request=request,
        client=client,
        redirect_uri=f"{settings.public_url}/auth/{provider}/callback",
        next=next_path,
        link_user_id=str(linking_user.id) if linking_user else None,
    )


def _identity(profile: ProviderProfile) -> Identity:
    return Identity(
        provider=profile.provider,
        subject=profile.subject,
        email=profile.email,
        email_verified=profile.email_verified,
        profile={**profile.raw, "name": profile.name, "picture": profile.picture},
    )


async def _account_for(
    *, session: AsyncSession, profile: ProviderProfile, link_user_id: str | None
) -> User:
    identity = await users_repository.get_identity(session, profile.provider, profile.subject)
    if link_user_id is not None:
        user = await users_repository.get(session, uuid.UUID(link_user_id))
        if user is None:
            raise FlowError("invalid_state")
        if identity is not None:
            if identity.user_id != user.id:
                raise FlowError("identity_in_use")
            return user
        if profile.provider in user.providers:
            raise FlowError("provider_already_linked")
        user.identities.append(_identity(profile))
        await session.flush()
        return user
    if identity is not None:
        user = await users_repository.get(session, identity.user_id)
        assert user is not None  # identities cascade with their user
        return user
    # Never merge on a matching email alone: whoever controls that address at the
    # provider would take over the account. The owner can sign in and link instead. Only
    # a verified address counts, on either side: an unverified one (anyone can type any
    # address) neither claims an account nor keeps the real owner out.
    if (
        profile.email
        and profile.email_verified
        and (
            await users_repository.get_by_email(session, profile.email)
            or await users_repository.verified_identity_email_taken(session, profile.email)
        )
    ):
        raise FlowError("account_exists")
    return await create_social_user(session=session, identity=_identity(profile))


async def complete_sign_in(
    *,
    request: Request,
    session: AsyncSession,
    client: StarletteOAuth2App,
    provider: str,
    settings: Settings,
) -> tuple[User, str]:
    """The account this callback signs into (or links), and the `next` path."""
    data, token = await finish(request=request, client=client)
    try:
        profile = await fetch_profile(
            provider=provider, client=client, token=token, settings=settings
        )
    except httpx2.HTTPError as exc:
        logger.warning("%s profile fetch failed: %s", provider, type(exc).__name__)
        raise FlowError("provider_unavailable", data) from exc
    except (KeyError, ValueError) as exc:
        raise FlowError("invalid_provider_response", data) from exc
    try:
        # A savepoint: a refused sign-in undoes what it wrote, and only that.
        async with session.begin_nested():
            user = await _account_for(
                session=session, profile=profile, link_user_id=data.get("link_user_id")
            )
    except FlowError as exc:
        exc.data = data
        raise
    return user, data.get("next", "/")


async def needs_second_factor(
    *, session: AsyncSession, user: User, refresh_cookie: str | None
) -> bool:
    """Whether this provider sign-in must still be finished with a TOTP code: yes for an
    account with TOTP on, unless the browser already holds a live session of that very
    account (it passed its second factor then: linking a provider, signing in again)."""
    if not user.mfa_enabled:
        return False
    if refresh_cookie is None:
        return True
    signed_in = await signed_in_user(session=session, refresh_token=refresh_cookie)
    return signed_in is None or signed_in.id != user.id


def _sign_in_methods(user: User) -> int:
    return len(user.identities) + (1 if user.password_hash else 0)


async def unlink_identity(*, session: AsyncSession, user: User, provider: str) -> Identity:
    """Remove a social identity, unless it is the account's last way to sign in."""
    identity = next((i for i in user.identities if i.provider == provider), None)
    if identity is None:
        raise NotFound(f"No {provider} identity is linked", code="identity_not_found")
    if _sign_in_methods(user) <= 1:
        raise Conflict(
            "This is the account's only way to sign in; add another first",
            code="last_sign_in_method",
        )
    user.identities.remove(identity)
    await session.flush()
    return identity


async def unlink_kakao(
    *, session: AsyncSession, user: User, http: httpx2.AsyncClient, settings: Settings
) -> None:
    """Disconnect the app at Kakao (admin key) and remove the Kakao identity here."""
    admin_key = settings.kakao_admin_key.get_secret_value()
    if not admin_key:
        raise NotFound("Kakao unlinking is not configured", code="provider_not_configured")
    identity = await unlink_identity(session=session, user=user, provider="kakao")
    try:
        response = await http.post(
            settings.kakao_unlink_url,
            headers={"Authorization": f"KakaoAK {admin_key}"},
            data={"target_id_type": "user_id", "target_id": identity.subject},
        )
        response.raise_for_status()
    except httpx2.HTTPError as exc:
        # Raising rolls back the local unlink, so both sides stay as they were.
        raise ApiError("Kakao did not answer", status=502, code="provider_unavailable") from exc
