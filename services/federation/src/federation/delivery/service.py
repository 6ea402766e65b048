"""Queueing activities for delivery: one row per distinct target inbox."""

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import affected
from common.errors import ApiError
from federation.activitypub import host_of
from federation.delivery.models import Delivery
from federation.domains.repository import blocked_hosts
from federation.remote.service import RemoteActors

logger = logging.getLogger(__name__)


async def inboxes_of(
    session: AsyncSession, *, actors: RemoteActors, actor_uris: Iterable[str], shared: bool
) -> set[str]:
    """The inboxes reaching `actor_uris`: each server's shared inbox when `shared` (fan-out),
    else each actor's own (an activity meant for one actor, as Mastodon sends them).

    A cached actor's inbox is used whatever its age, and a stale one is fetched again in
    the background: fetching it here put a remote server in the event's request, each dead
    one adding the fetch timeout. Mastodon too delivers to the inbox it stored. Fetching
    them concurrently would only divide that wait; this removes it. An actor never seen is
    fetched now (there is no inbox to use); followers never are, their Follow cached them."""
    wanted = list(dict.fromkeys(actor_uris))
    known = {actor.actor_uri: actor for actor in await actors.cached(session, wanted)}
    actors.refresh_later(known.values())
    inboxes = set()
    for actor_uri in wanted:
        actor = known.get(actor_uri)
        if actor is None:
            try:
                actor = await actors.actor(session, actor_uri)
            except ApiError as exc:
                # An actor gone or unreachable now gets nothing; the others still do.
                logger.info("no inbox for a recipient (%s)", exc.code)
                continue
        inboxes.add(actor.delivery_inbox if shared else actor.inbox)
    return inboxes


async def enqueue(
    session: AsyncSession, *, activity: dict[str, Any], signer: str, inboxes: Iterable[str]
) -> int:
    """Queue `activity` signed by `signer` for each inbox not on a blocked domain."""
    targets = {inbox: host_of(inbox) for inbox in sorted(set(inboxes))}
    blocked = await blocked_hosts(session, set(targets.values()))
    rows = [
        Delivery(inbox_url=inbox, host=host, activity=activity, signer=signer)
        for inbox, host in targets.items()
        if host not in blocked
    ]
    session.add_all(rows)
    await session.flush()
    return len(rows)


async def drop_blocked(session: AsyncSession) -> int:
    """Delete what is queued for a blocked domain (a block just made), by the blocks' own
    rule of subdomains; the number of deliveries dropped."""
    hosts = set(await session.scalars(select(Delivery.host).distinct()))
    blocked = await blocked_hosts(session, hosts)
    if not blocked:
        return 0
    return affected(await session.execute(delete(Delivery).where(Delivery.host.in_(blocked))))
