"""Publishing revocations, so that access tokens die at every service within seconds.

Every verifier (common.tokens.Revocations) keeps auth's Redis hash in memory and follows
its stream of changes. Auth writes two kinds of entries, after the commit that ends the
sessions: `user:<pseudonym>` (common.tokens.user_pseudonym: a deleted account's id must
not stay in Redis) = the second before which the user's tokens are refused (sign out
everywhere, a password reset, a deleted account), and `sid:<family id>` = an ended
session (one device signed out, the other sessions after a password change; also every
family a sign-out-everywhere ended, which covers the tokens minted within the very
second of it, which `iat`'s whole seconds cannot tell apart).

An app token (auth.apps) lives for years, longer than the hour a `user:` entry is kept;
each one revoked is a `sid:<app token id>` entry whose value is the token's expiry
rather than the time of revocation, so verifiers and the pruning here keep it as long as
the token could be presented.
"""

import logging
import random
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.outbox import repository as outbox
from auth.outbox.models import TOKENS_REVOKED, OutboxEvent
from common.db import on_commit, transaction
from common.tokens import (
    REVOCATION_KEEP_SECONDS,
    SESSION_FIELD,
    USER_FIELD,
    revocations_stream,
    user_pseudonym,
)

logger = logging.getLogger(__name__)

# The stream only has to carry changes to verifiers that are running; one restarted
# reads the hash. Trimmed, approximately, to this many entries.
STREAM_MAX_LENGTH = 10_000
# One publish in this many also drops the hash's entries no live token can meet.
PRUNE_ONE_IN = 50
BATCH = 100


class TokenRevoker:
    def __init__(self, redis: Redis, key: str) -> None:
        self.redis = redis
        self.key = key
        self.stream = revocations_stream(key)

    async def after_commit(
        self,
        session: AsyncSession,
        *,
        user_id: uuid.UUID | None = None,
        session_ids: Iterable[uuid.UUID] = (),
        app_tokens: Iterable[tuple[uuid.UUID, datetime]] = (),
    ) -> None:
        """Publish once the caller's transaction commits (never if it rolls back);
        `app_tokens` are (id, expiry) pairs.

        The entries are an outbox row of that transaction: published at once after the
        commit, and by `publish_pending_revocations` if Redis could not take them then,
        so a sign-out is never lost to a Redis outage (its tokens would live on)."""
        fields = revocation_fields(
            user_id=user_id, session_ids=session_ids, app_tokens=app_tokens, now=time.time()
        )
        if not fields:
            return
        event = OutboxEvent(type=TOKENS_REVOKED, payload=fields)
        await outbox.add(session, event)

        async def publish() -> None:
            await self.publish(fields)
            await outbox.mark_published(session, [event], [None], at=datetime.now(UTC))

        on_commit(session, publish)

    async def publish(self, fields: dict[str, str]) -> None:
        """Write the entries to the hash every verifier reads and the stream it follows."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.key, mapping=fields)
            pipe.xadd(self.stream, fields, maxlen=STREAM_MAX_LENGTH, approximate=True)  # type: ignore[arg-type]
            await pipe.execute()
        logger.info("sessions revoked", extra={"sessions": len(fields)})
        if random.randrange(PRUNE_ONE_IN) == 0:  # noqa: S311 - not a secret
            await self.prune()

    async def prune(self) -> None:
        horizon = time.time() - REVOCATION_KEEP_SECONDS
        entries: dict[str, str] = await self.redis.hgetall(self.key)  # type: ignore[misc]
        stale = [name for name, at in entries.items() if float(at) < horizon]
        if stale:
            await self.redis.hdel(self.key, *stale)  # type: ignore[misc]


def revocation_fields(
    *,
    user_id: uuid.UUID | None,
    session_ids: Iterable[uuid.UUID],
    app_tokens: Iterable[tuple[uuid.UUID, datetime]],
    now: float,
) -> dict[str, str]:
    """The hash entries that revoke these: fixed when the revocation is made, so a late
    publication (after a Redis outage) refuses exactly what an immediate one would."""
    fields: dict[str, str] = {f"{SESSION_FIELD}{sid}": f"{now:.3f}" for sid in session_ids}
    for token_id, expires_at in app_tokens:
        fields[f"{SESSION_FIELD}{token_id}"] = f"{expires_at.timestamp():.3f}"
    if user_id is not None:
        # Whole seconds, as `iat` is: a token issued in an earlier second is refused.
        fields[f"{USER_FIELD}{user_pseudonym(str(user_id))}"] = str(int(now))
    return fields


async def publish_pending_revocations(
    *, sessionmaker: async_sessionmaker[AsyncSession], revoker: TokenRevoker
) -> bool:
    """One loop step: publish the revocations whose after-commit publication failed;
    True when the batch was full, so more may be waiting."""
    async with transaction(sessionmaker) as session:
        events = await outbox.claim_pending(session, limit=BATCH, revocations=True)
        for event in events:
            await revoker.publish(event.payload)
        await outbox.mark_published(session, events, [None] * len(events), at=datetime.now(UTC))
    return len(events) == BATCH
