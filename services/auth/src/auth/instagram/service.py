"""Instagram Graph linking: a Meta connection (long-lived token, encrypted) per user, and
the Instagram business accounts of their Pages that they chose to link."""

import logging
import uuid
from datetime import UTC, datetime, timedelta

import httpx2
from authlib.integrations.starlette_client import StarletteOAuth2App
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from auth.config import Settings
from auth.crypto import SecretBox
from auth.instagram import graph, repository
from auth.instagram.models import MetaConnection
from auth.instagram.schemas import InstagramAccountRead
from auth.oauth.flow import FlowError, begin, finish
from auth.users.models import User
from common.errors import ApiError, NotFound

logger = logging.getLogger(__name__)


async def start_linking(
    *, request: Request, client: StarletteOAuth2App, settings: Settings, user: User, next_path: str
) -> str:
    """Meta's authorize URL asking for Instagram and Pages access."""
    return await begin(
        request=request,
        client=client,
        redirect_uri=f"{settings.public_url}/oauth/instagram/callback",
        next=next_path,
        user_id=str(user.id),
    )


async def complete_linking(
    *,
    request: Request,
    session: AsyncSession,
    client: StarletteOAuth2App,
    http: httpx2.AsyncClient,
    settings: Settings,
    box: SecretBox,
) -> str:
    """Trade the code for a long-lived token, keep it encrypted; returns the `next` path."""
    data, token = await finish(request=request, client=client)
    try:
        long_lived = await graph.exchange_long_lived(http, settings, token["access_token"])
        meta_user = await graph.me(http, settings, long_lived.access_token)
    except (ApiError, KeyError, ValueError) as exc:
        raise FlowError("provider_error", data) from exc
    expires_at = (
        datetime.now(UTC) + timedelta(seconds=long_lived.expires_in)
        if long_lived.expires_in
        else None
    )
    await repository.save_connection(
        session,
        MetaConnection(
            user_id=uuid.UUID(data["user_id"]),
            meta_user_id=str(meta_user["id"]),
            token_encrypted=box.encrypt(long_lived.access_token),
            token_expires_at=expires_at,
        ),
    )
    result: str = data.get("next", "/")
    return result


async def _token(*, session: AsyncSession, user: User, box: SecretBox) -> str:
    connection = await repository.get_connection(session, user.id)
    if connection is None:
        raise NotFound("Connect Instagram first", code="meta_not_connected")
    return box.decrypt(connection.token_encrypted)


async def list_accounts(
    *,
    session: AsyncSession,
    user: User,
    http: httpx2.AsyncClient,
    settings: Settings,
    box: SecretBox,
) -> list[InstagramAccountRead]:
    """The user's Pages with an Instagram business account, and which are linked."""
    pages = await graph.instagram_pages(
        http, settings, await _token(session=session, user=user, box=box)
    )
    linked = await repository.linked_ig_user_ids(session, user.id)
    return [InstagramAccountRead(**vars(page), linked=page.ig_user_id in linked) for page in pages]


async def link_account(
    *,
    session: AsyncSession,
    user: User,
    ig_user_id: str,
    http: httpx2.AsyncClient,
    settings: Settings,
    box: SecretBox,
) -> InstagramAccountRead:
    """Link one of the user's own Instagram business accounts (Graph confirms it is theirs)."""
    token = await _token(session=session, user=user, box=box)
    pages = await graph.instagram_pages(http, settings, token)
    page = next((p for p in pages if p.ig_user_id == ig_user_id), None)
    if page is None:
        raise NotFound(
            "No such Instagram account on your Pages", code="instagram_account_not_found"
        )
    await repository.upsert_account(session, user_id=user.id, page=page)
    return InstagramAccountRead(**vars(page), linked=True)


async def unlink_account(*, session: AsyncSession, user: User, ig_user_id: str) -> None:
    """Forget a linked Instagram account."""
    if not await repository.delete_account(session, user.id, ig_user_id):
        raise NotFound("That Instagram account is not linked", code="instagram_account_not_found")
