"""GET /internal/federation/lookup: social's search finds `@user@host` through us."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from common.db import SessionDep
from common.internal import InternalCaller
from common.openapi import raises
from federation.dependencies import RemoteActorsDep, UrlsDep
from federation.remote.service import InvalidActor, RemoteAccountNotFound

router = APIRouter(tags=["federation internal"], dependencies=[InternalCaller])


@router.get("/internal/federation/lookup")
@raises(RemoteAccountNotFound, InvalidActor)
async def lookup(
    acct: Annotated[str, Query(min_length=3, max_length=320)],
    session: SessionDep,
    actors: RemoteActorsDep,
    urls: UrlsDep,
) -> dict[str, Any]:
    """WebFinger, the actor, its avatar through media, its profile in social → `{id}`."""
    acct = acct.removeprefix("@")
    if acct.rpartition("@")[2].lower() == urls.host.lower():
        # Ours: social finds its own users itself.
        raise RemoteAccountNotFound("That account is local")
    actor_uri = await actors.webfinger(session, acct)
    actor = await actors.profile(session, actor_uri, refresh=True)
    return {"id": str(actor.profile_id)}
