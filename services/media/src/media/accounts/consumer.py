"""auth's user.deleted events (Redis Stream) → media deletions, in a background task of
each replica (common.deleted_users.account_deletions: one consumer group for media,
entries acknowledged once applied, so a media service that was down when the event came
applies it when it is back)."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from common import deleted_users
from common.events import StreamConsumer, consuming
from media.accounts import service
from media.accounts.models import DeletedUser
from media.config import Settings


@asynccontextmanager
async def user_events(app: FastAPI, settings: Settings) -> AsyncIterator[StreamConsumer]:
    """Lifespan part: the consumer runs as a task for the app's lifetime."""

    async def delete_account(session: AsyncSession, user_id: uuid.UUID) -> None:
        await service.delete_account(session=session, objects=app.state.objects, owner_id=user_id)

    consumer = deleted_users.account_deletions(
        redis=app.state.redis,
        sessionmaker=app.state.sessionmaker,
        settings=settings,
        service="media",
        model=DeletedUser,
        delete_account=delete_account,
    )
    async with consuming(consumer, "user events consumer"):
        yield consumer
