"""auth's user events (Redis Stream) → profiles, and account deletions, in a background
task of each replica (common.deleted_users.account_deletions: one consumer group for
social, entries acknowledged once applied). Registrations and renames are idempotent
upserts that never bring a deleted account back."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from common import deleted_users
from common.db import transaction
from common.events import (
    USER_REGISTERED,
    USER_RENAMED,
    MalformedEvent,
    StreamConsumer,
    consuming,
    event_user_id,
)
from social.accounts import service as accounts
from social.config import Settings
from social.models import DeletedUser
from social.profiles import repository


@asynccontextmanager
async def user_events(app: FastAPI, settings: Settings) -> AsyncIterator[StreamConsumer]:
    """Lifespan part: the consumer runs as a task for the app's lifetime."""
    sessionmaker = app.state.sessionmaker

    async def upsert(fields: dict[str, str]) -> None:
        if fields.get("type") not in (USER_REGISTERED, USER_RENAMED):
            return
        user_id = event_user_id(fields)
        try:
            username = fields["username"]
            occurred_at = datetime.fromisoformat(fields["occurred_at"])
        except (KeyError, ValueError) as exc:
            raise MalformedEvent("no username or time") from exc
        async with transaction(sessionmaker) as session:
            # A replayed registration of a deleted account must not bring it back.
            if not await deleted_users.is_deleted(session, DeletedUser, user_id=user_id):
                await repository.upsert_identity(
                    session, user_id=user_id, username=username, asserted_at=occurred_at
                )

    async def delete_account(session: AsyncSession, user_id: uuid.UUID) -> None:
        await accounts.delete_account(session=session, user_id=user_id)
        app.state.known_profiles.pop(user_id, None)

    consumer = deleted_users.account_deletions(
        redis=app.state.redis,
        sessionmaker=sessionmaker,
        settings=settings,
        service="social",
        model=DeletedUser,
        delete_account=delete_account,
        other_events=upsert,
    )
    async with consuming(consumer, "user events consumer"):
        yield consumer
