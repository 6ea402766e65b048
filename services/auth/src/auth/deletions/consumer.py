"""The services' deletion reports (Redis Stream) → account deletion states, in a
background task of each replica (common.events). An entry is deleted once handled: it
names the user, and auth is its only reader."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from auth.config import Settings
from auth.deletions import service
from common.db import transaction
from common.events import (
    USER_DELETION_DONE,
    MalformedEvent,
    StreamConsumer,
    consuming,
    event_user_id,
)


@asynccontextmanager
async def deletion_reports(app: FastAPI, settings: Settings) -> AsyncIterator[StreamConsumer]:
    """Lifespan part: the consumer runs as a task for the app's lifetime."""

    async def handle(fields: dict[str, str]) -> None:
        if fields.get("type") != USER_DELETION_DONE:
            return
        if "service" not in fields:
            raise MalformedEvent("no service")
        async with transaction(app.state.sessionmaker) as session:
            await service.record_done(
                session=session,
                redis=app.state.redis,
                users_stream=settings.users_stream,
                user_id=event_user_id(fields),
                service=fields["service"],
            )

    consumer = StreamConsumer(
        redis=app.state.redis,
        stream=settings.deletions_stream,
        group="auth",
        handle=handle,
        discard=True,
    )
    async with consuming(consumer, "deletion reports consumer"):
        yield consumer
