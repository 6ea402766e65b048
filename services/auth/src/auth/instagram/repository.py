"""SQL for Meta connections and linked Instagram accounts."""

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from auth.instagram.graph import InstagramPage
from auth.instagram.models import InstagramAccount, MetaConnection
from common.db import affected
from common.ids import new_id


async def get_connection(session: AsyncSession, user_id: uuid.UUID) -> MetaConnection | None:
    return await session.get(MetaConnection, user_id)


async def save_connection(session: AsyncSession, connection: MetaConnection) -> None:
    await session.merge(connection)
    await session.flush()


async def linked_ig_user_ids(session: AsyncSession, user_id: uuid.UUID) -> set[str]:
    result = await session.execute(
        select(InstagramAccount.ig_user_id).where(InstagramAccount.user_id == user_id)
    )
    return set(result.scalars())


async def upsert_account(session: AsyncSession, *, user_id: uuid.UUID, page: InstagramPage) -> None:
    statement = insert(InstagramAccount).values(
        id=new_id(),
        user_id=user_id,
        ig_user_id=page.ig_user_id,
        ig_username=page.ig_username,
        page_id=page.page_id,
        page_name=page.page_name,
        profile_picture_url=page.profile_picture_url,
    )
    refreshed = ("ig_username", "page_id", "page_name", "profile_picture_url")
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "ig_user_id"],
            set_={column: statement.excluded[column] for column in refreshed},
        )
    )


async def delete_account(session: AsyncSession, user_id: uuid.UUID, ig_user_id: str) -> bool:
    result = await session.execute(
        delete(InstagramAccount).where(
            InstagramAccount.user_id == user_id, InstagramAccount.ig_user_id == ig_user_id
        )
    )
    return affected(result) > 0
