"""SQL for registered apps and their authorization codes."""

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.apps.models import AuthorizationCode, OAuthApp
from auth.sessions.models import AppToken


async def add(session: AsyncSession, row: OAuthApp | AuthorizationCode) -> None:
    session.add(row)
    await session.flush()


async def get_by_client_id(session: AsyncSession, client_id: str) -> OAuthApp | None:
    result = await session.execute(select(OAuthApp).where(OAuthApp.client_id == client_id))
    return result.scalar_one_or_none()


async def get(session: AsyncSession, app_id: uuid.UUID) -> OAuthApp | None:
    return await session.get(OAuthApp, app_id)


async def get_code_for_update(session: AsyncSession, code_hash: bytes) -> AuthorizationCode | None:
    # Row-locked: two exchanges of one code are decided one after the other.
    result = await session.execute(
        select(AuthorizationCode).where(AuthorizationCode.code_hash == code_hash).with_for_update()
    )
    return result.scalar_one_or_none()


async def delete_code(session: AsyncSession, code_id: uuid.UUID) -> None:
    await session.execute(delete(AuthorizationCode).where(AuthorizationCode.id == code_id))


async def authorized_apps(
    session: AsyncSession, user_id: uuid.UUID
) -> list[tuple[OAuthApp, str, datetime]]:
    """Each app holding a live token of the user: the app, the scopes of its tokens
    (space-separated, merged) and when it was first authorized."""
    result = await session.execute(
        select(
            OAuthApp,
            func.string_agg(func.distinct(AppToken.scope), " "),
            func.min(AppToken.created_at),
        )
        .join(AppToken, AppToken.app_id == OAuthApp.id)
        .where(
            AppToken.user_id == user_id,
            AppToken.revoked_at.is_(None),
            AppToken.expires_at > func.now(),
        )
        .group_by(OAuthApp.id)
        .order_by(func.min(AppToken.created_at).desc())
    )
    return [(app, scopes, created_at) for app, scopes, created_at in result.all()]
