"""auth's user events (Redis Stream) → profiles, and account deletions, in a background
task of each replica (common.events: one consumer group for social, entries acknowledged
once applied). Registrations and renames are idempotent upserts; a deletion is applied
in one transaction, then reported done to auth."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from fastapi import FastAPI

from common import deleted_users
from common.events import (
    USER_DELETED,
    USER_REGISTERED,
    USER_RENAMED,
    MalformedEvent,
    StreamConsumer,
    consuming,
    event_user_id,
    report_deletion_done,
)
from social.accounts import service as accounts
from social.accounts.models import DeletedUser
from social.config import Settings
from social.profiles import repository

logger = logging.getLogger(__name__)


def user_events_consumer(app: FastAPI, settings: Settings) -> StreamConsumer:
    sessionmaker = app.state.sessionmaker
    keep_id_for = timedelta(seconds=settings.deleted_user_retention_seconds)

    async def handle(fields: dict[str, str]) -> None:
        kind, user_id = fields.get("type"), event_user_id(fields)
        if kind in (USER_REGISTERED, USER_RENAMED):
            try:
                username = fields["username"]
                occurred_at = datetime.fromisoformat(fields["occurred_at"])
            except (KeyError, ValueError) as exc:
                raise MalformedEvent(kind) from exc
            async with sessionmaker() as session, session.begin():
                # A replayed registration of a deleted account must not bring it back.
                if not await deleted_users.is_deleted(session, DeletedUser, user_id=str(user_id)):
                    await repository.upsert_identity(
                        session, user_id=user_id, username=username, asserted_at=occurred_at
                    )
        elif kind == USER_DELETED:
            async with sessionmaker() as session, session.begin():
                await accounts.delete_account(session, user_id=user_id, keep_id_for=keep_id_for)
            app.state.known_profiles.pop(user_id, None)
            await report_deletion_done(
                app.state.redis, settings.deletions_stream, user_id=user_id, service="social"
            )
            logger.info("account deleted", extra={"user_id": str(user_id)})

    async def forget_expired() -> None:
        async with sessionmaker() as session, session.begin():
            await deleted_users.forget_expired(session, DeletedUser)

    return StreamConsumer(
        redis=app.state.redis,
        stream=settings.users_stream,
        group=settings.users_consumer_group,
        claim_idle_ms=settings.users_claim_idle_ms,
        handle=handle,
        tick=forget_expired,
    )


@asynccontextmanager
async def user_events(app: FastAPI, settings: Settings) -> AsyncIterator[StreamConsumer]:
    """Lifespan part: the consumer runs as a task for the app's lifetime."""
    async with consuming(user_events_consumer(app, settings), "user-events") as consumer:
        yield consumer
