"""POST /users/{username}/inbox and /inbox: verified, stored, answered 202 at once."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import SessionDep
from common.openapi import raises
from common.state import app_state
from federation.activitypub import Urls
from federation.config import Settings
from federation.dependencies import RemoteActorsDep, SettingsDep, UrlsDep
from federation.inbox.service import (
    BadSignature,
    DomainBlocked,
    InvalidActivity,
    PayloadTooLarge,
    TooManyActivities,
    receive,
)
from federation.remote.service import RemoteActors

router = APIRouter(tags=["federation"])

RedisDep = Annotated[Redis, Depends(app_state("redis"))]


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge()
    return bytes(body)


@dataclass(frozen=True)
class Inbox:
    """What taking an activity in needs; one dependency, so both inbox routes name it once."""

    session: AsyncSession
    redis: Redis
    actors: RemoteActors
    settings: Settings
    urls: Urls

    async def take(self, request: Request) -> Response:
        body = await _body(request, self.settings.inbox_max_bytes)
        headers = {name.lower(): value for name, value in request.headers.items()}
        # The signer signed the host it sent to: ours as the fediverse knows it, whatever
        # Host the gateway forwarded.
        headers["host"] = self.urls.host
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        await receive(
            self.session,
            redis=self.redis,
            actors=self.actors,
            settings=self.settings,
            method="POST",
            path_and_query=path,
            headers=headers,
            body=body,
        )
        return Response(status_code=202)


async def get_inbox(
    session: SessionDep,
    redis: RedisDep,
    actors: RemoteActorsDep,
    settings: SettingsDep,
    urls: UrlsDep,
) -> Inbox:
    # A function, not the class itself: FastAPI runs a sync dependency in a thread.
    return Inbox(session, redis, actors, settings, urls)


InboxDep = Annotated[Inbox, Depends(get_inbox)]


ERRORS = (BadSignature, DomainBlocked, InvalidActivity, PayloadTooLarge, TooManyActivities)


@router.post("/inbox", status_code=202, response_class=Response)
@raises(*ERRORS)
async def shared_inbox(request: Request, inbox: InboxDep) -> Response:
    return await inbox.take(request)


@router.post("/users/{username}/inbox", status_code=202, response_class=Response)
@raises(*ERRORS)
async def user_inbox(username: str, request: Request, inbox: InboxDep) -> Response:
    # Which inbox was posted to changes nothing: the activity says whom it is for.
    return await inbox.take(request)
