"""SQL for passkeys."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.passkeys.models import Passkey


async def list_for_user(session: AsyncSession, user_id: uuid.UUID) -> list[Passkey]:
    result = await session.execute(
        select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.created_at, Passkey.id)
    )
    return list(result.scalars())


async def credential_ids(session: AsyncSession, user_id: uuid.UUID) -> list[bytes]:
    result = await session.execute(select(Passkey.credential_id).where(Passkey.user_id == user_id))
    return list(result.scalars())


async def get_owned(
    session: AsyncSession, passkey_id: uuid.UUID, user_id: uuid.UUID
) -> Passkey | None:
    result = await session.execute(
        select(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def get_by_credential_for_update(
    session: AsyncSession, credential_id: bytes
) -> Passkey | None:
    # Row-locked: two sign-ins with one assertion are decided in turn by the sign count.
    result = await session.execute(
        select(Passkey).where(Passkey.credential_id == credential_id).with_for_update()
    )
    return result.scalar_one_or_none()


async def add(session: AsyncSession, passkey: Passkey) -> None:
    session.add(passkey)
    await session.flush()


async def delete(session: AsyncSession, passkey: Passkey) -> None:
    await session.delete(passkey)
    await session.flush()
