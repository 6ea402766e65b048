"""SQL for cached Instagram avatars."""

from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from media.avatars.models import IgAvatar


async def get(session: AsyncSession, ig_user_id: str) -> IgAvatar | None:
    return await session.get(IgAvatar, ig_user_id)


async def upsert(session: AsyncSession, values: dict[str, Any]) -> IgAvatar:
    inserted = insert(IgAvatar).values(**values)
    statement = inserted.on_conflict_do_update(
        index_elements=[IgAvatar.ig_user_id],
        set_={k: inserted.excluded[k] for k in values if k != "ig_user_id"},
    ).returning(IgAvatar)
    # populate_existing: a row already in the session is refreshed, not returned stale.
    avatar = await session.scalar(statement, execution_options={"populate_existing": True})
    assert avatar is not None
    result: IgAvatar = avatar
    return result
