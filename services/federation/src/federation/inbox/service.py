"""Taking an activity in: domain blocks, limits, the HTTP signature, then a stored row."""

import logging
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import ApiError, Forbidden, Unauthorized
from common.remote_fetch import RemoteInvalid, load_json
from federation.activitypub import host_of, ref
from federation.config import Settings
from federation.domains.repository import is_blocked
from federation.inbox.models import InboundActivity
from federation.remote.models import RemoteActor
from federation.remote.service import RemoteActors
from federation.signatures import SignatureError, parse_signature, verify_request

logger = logging.getLogger(__name__)


class PayloadTooLarge(ApiError):
    status, code, message = 413, "payload_too_large", "The activity is larger than allowed"


class InvalidActivity(ApiError):
    status, code, message = 422, "invalid_activity", "Not an activity we can read"


class TooManyActivities(ApiError):
    status, code, message = 429, "rate_limited", "Too many activities from this server"


class DomainBlocked(Forbidden):
    code, message = "domain_blocked", "This server does not federate with yours"


class BadSignature(Unauthorized):
    code, message = "invalid_signature", "The request's HTTP signature is missing or invalid"

    def __init__(self, reason: str) -> None:
        # Signature, not Bearer: what a client should present here.
        super().__init__(f"{self.message}: {reason}", headers={"WWW-Authenticate": "Signature"})


async def _count(redis: Redis, key: str, *, limit: int, settings: Settings) -> None:
    """One more in a fixed window; 429 past `limit` (a server retries a 429 later)."""
    async with redis.pipeline(transaction=True) as pipe:
        # SET NX starts the window with its expiry (EXPIRE NX needs Redis 7).
        pipe.set(key, 0, ex=settings.inbox_rate_window_seconds, nx=True)
        pipe.incr(key)
        _, count = await pipe.execute()
    if int(count) > limit:
        raise TooManyActivities(headers={"Retry-After": str(settings.inbox_rate_window_seconds)})


async def rate_limit(redis: Redis, host: str, settings: Settings) -> None:
    """The activities of a sending domain, counted once its signature holds: an unsigned
    or forged request naming a server's key must not use up that server's budget."""
    await _count(
        redis, f"federation:inbox-rate:{host}", limit=settings.inbox_rate_limit, settings=settings
    )


async def limit_key_fetches(redis: Redis, host: str, settings: Settings) -> None:
    """Fetches of keys on a domain, counted before each: anyone can name a server's key and
    have us fetch it. The gateway bounds each address (GATEWAY_RATE_LIMIT_INBOX); this
    bounds what many addresses together make us ask of one server. A flood spends it, not
    the domain's activity budget: requests the cached key verifies need no fetch (only a
    key not cached yet, or rotated, waits out the flood: 429, retried by the sender)."""
    await _count(
        redis,
        f"federation:inbox-key-fetches:{host}",
        limit=settings.inbox_key_fetch_limit,
        settings=settings,
    )


def parse_activity(body: bytes, settings: Settings) -> dict[str, Any]:
    try:
        activity = load_json(body, max_depth=settings.inbox_max_depth)
    except RemoteInvalid as exc:
        raise InvalidActivity(exc.message) from exc
    if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
        raise InvalidActivity()
    if ref(activity.get("actor")) is None:
        raise InvalidActivity("The activity names no actor")
    return activity


async def verify(
    session: AsyncSession,
    *,
    redis: Redis,
    actors: RemoteActors,
    method: str,
    path_and_query: str,
    headers: dict[str, str],
    body: bytes,
    settings: Settings,
) -> RemoteActor:
    """The signer, once its signature holds: checked with the cached key, and on failure
    with the key fetched again, once (the signer may have rotated it)."""
    try:
        params = parse_signature(headers.get("signature", ""))
    except SignatureError as exc:
        raise BadSignature(exc.reason) from exc
    max_skew = timedelta(seconds=settings.signature_max_skew_seconds)

    def check(actor: RemoteActor) -> None:
        verify_request(
            method,
            path_and_query,
            headers,
            body,
            public_key_pem=actor.public_key_pem,
            params=params,
            max_skew=max_skew,
        )

    cached = await actors.cached_by_key(session, params.key_id)
    if cached is not None:
        try:
            check(cached)
        except SignatureError as exc:
            logger.info("a signature failed with a cached key (%s); fetching it again", exc.reason)
        else:
            return cached
    await limit_key_fetches(redis, host_of(params.key_id), settings)
    try:
        actor = await actors.by_key(session, params.key_id)
    except ApiError as exc:
        raise BadSignature("the signing key could not be fetched") from exc
    try:
        check(actor)
    except SignatureError as exc:
        raise BadSignature(exc.reason) from exc
    return actor


async def receive(
    session: AsyncSession,
    *,
    redis: Redis,
    actors: RemoteActors,
    settings: Settings,
    method: str,
    path_and_query: str,
    headers: dict[str, str],
    body: bytes,
) -> None:
    """Check and store one posted activity (the loop applies it)."""
    try:
        key_host = host_of(parse_signature(headers.get("signature", "")).key_id)
    except SignatureError as exc:
        raise BadSignature(exc.reason) from exc
    # A blocked domain is told so (403) rather than answered 202: its server then stops
    # retrying (a 4xx is final to Mastodon and Pixelfed), and its operator can see why.
    if await is_blocked(session, key_host):
        raise DomainBlocked()
    activity = parse_activity(body, settings)
    # Verifying costs at most a key fetch, bounded per claimed domain in verify and per
    # address by the gateway's inbox limit (GATEWAY_RATE_LIMIT_INBOX); the domain's own
    # budget is counted only after, for requests its key signed.
    signer = await verify(
        session,
        redis=redis,
        actors=actors,
        method=method,
        path_and_query=path_and_query,
        headers=headers,
        body=body,
        settings=settings,
    )
    # The key's owner speaks for itself only: a relayed activity of someone else is refused.
    if ref(activity.get("actor")) != signer.actor_uri:
        raise BadSignature("the activity's actor does not own the signing key")
    await rate_limit(redis, signer.host, settings)
    activity_uri = activity.get("id") if isinstance(activity.get("id"), str) else None
    await session.execute(
        insert(InboundActivity)
        .values(
            activity_uri=activity_uri,
            actor_uri=signer.actor_uri,
            host=signer.host,
            activity=activity,
        )
        .on_conflict_do_nothing(index_elements=[InboundActivity.activity_uri])
    )
