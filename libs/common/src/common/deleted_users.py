"""Deleted users: how a service applies an account deletion, and remembers the id (only
the id, and only while the user's access tokens can live).

An access token is a signed JWT that stays valid until it expires, even after its account
is deleted. Each service that creates data for a caller keeps the ids of deleted users
until those tokens have expired, and refuses them (401) meanwhile, so nothing of a deleted
user comes back. Then the id is forgotten too.
"""

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import DateTime, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from common.db import SessionDep, transaction
from common.errors import Unauthorized
from common.events import (
    USER_DELETED,
    Handler,
    StreamConsumer,
    event_user_id,
    report_deletion_done,
)
from common.ids import UserId
from common.settings import UserEventSettings
from common.tokens import CurrentUser, Principal

logger = logging.getLogger(__name__)


class DeletedUserColumns:
    """Mixed into each service's `DeletedUser` model (table `deleted_user`)."""

    user_id: Mapped[UserId] = mapped_column(primary_key=True)
    forget_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


async def remember(
    session: AsyncSession, model: type[DeletedUserColumns], *, user_id: UserId, keep_for: timedelta
) -> None:
    await session.execute(
        insert(model)
        .values(user_id=user_id, forget_at=func.now() + keep_for)
        .on_conflict_do_nothing()
    )


async def is_deleted(
    session: AsyncSession, model: type[DeletedUserColumns], *, user_id: UserId
) -> bool:
    return await session.scalar(select(model.user_id).where(model.user_id == user_id)) is not None


async def refuse_deleted(
    session: AsyncSession, model: type[DeletedUserColumns], *, user_id: UserId
) -> None:
    """401 for a token of an account deleted within its tokens' lifetime."""
    if await is_deleted(session, model, user_id=user_id):
        raise Unauthorized("This account has been deleted", code="account_deleted")


async def forget_expired(session: AsyncSession, model: type[DeletedUserColumns]) -> None:
    await session.execute(delete(model).where(model.forget_at <= func.now()))


def live_user(model: type[DeletedUserColumns]) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the caller, refused (401) when its account was deleted while its
    token still lives. For the routes that create data for the caller."""

    async def dependency(user: CurrentUser, session: SessionDep) -> Principal:
        await refuse_deleted(session, model, user_id=user.id)
        return user

    return dependency


DeleteAccount = Callable[[AsyncSession, uuid.UUID], Awaitable[None]]


def account_deletions(
    *,
    redis: Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: UserEventSettings,
    service: str,
    model: type[DeletedUserColumns],
    delete_account: DeleteAccount,
    other_events: Handler | None = None,
) -> StreamConsumer:
    """The service's consumer of auth's user events: a user.deleted is applied by
    `delete_account` in one transaction that also remembers the id, then reported done;
    other events go to `other_events`. Expired ids are forgotten between batches."""
    keep_id_for = timedelta(seconds=settings.deleted_user_retention_seconds)

    async def handle(fields: dict[str, str]) -> None:
        if fields.get("type") != USER_DELETED:
            if other_events is not None:
                await other_events(fields)
            return
        user_id = event_user_id(fields)
        async with transaction(sessionmaker) as session:
            await delete_account(session, user_id)
            await remember(session, model, user_id=user_id, keep_for=keep_id_for)
        await report_deletion_done(
            redis, settings.deletions_stream, user_id=user_id, service=service
        )
        logger.info("account deleted", extra={"user_id": str(user_id)})

    async def forget() -> None:
        async with transaction(sessionmaker) as session:
            await forget_expired(session, model)

    return StreamConsumer(
        redis=redis,
        stream=settings.users_stream,
        group=settings.users_consumer_group,
        claim_idle_ms=settings.users_claim_idle_ms,
        handle=handle,
        tick=forget,
    )
