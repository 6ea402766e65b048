"""auth's user.deleted events (Redis Stream) → analyses deleted, in a background task of
each API replica (common.deleted_users.account_deletions: one consumer group for
igscraper, entries acknowledged once applied)."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from common import deleted_users
from common.events import StreamConsumer, consuming
from igscraper.accounts import service
from igscraper.accounts.models import DeletedUser
from igscraper.config import Settings


@asynccontextmanager
async def user_events(app: FastAPI, settings: Settings) -> AsyncIterator[StreamConsumer]:
    """Lifespan part: the consumer runs as a task for the app's lifetime."""

    async def delete_account(session: AsyncSession, user_id: uuid.UUID) -> None:
        await service.delete_account(
            session=session,
            redis=app.state.redis,
            queue_name=settings.queue_name,
            vault=app.state.vault,
            owner_id=user_id,
        )

    consumer = deleted_users.account_deletions(
        redis=app.state.redis,
        sessionmaker=app.state.sessionmaker,
        settings=settings,
        service="igscraper",
        model=DeletedUser,
        delete_account=delete_account,
    )
    async with consuming(consumer, "user events consumer"):
        yield consumer
