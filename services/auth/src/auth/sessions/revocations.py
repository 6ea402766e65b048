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
from datetime import datetime

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import on_commit
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


class TokenRevoker:
    def __init__(self, redis: Redis, key: str) -> None:
        self.redis = redis
        self.key = key
        self.stream = revocations_stream(key)

    def after_commit(
        self,
        session: AsyncSession,
        *,
        user_id: uuid.UUID | None = None,
        session_ids: Iterable[uuid.UUID] = (),
        app_tokens: Iterable[tuple[uuid.UUID, datetime]] = (),
    ) -> None:
        """Publish once the caller's transaction commits (never if it rolls back);
        `app_tokens` are (id, expiry) pairs."""
        sids = list(session_ids)
        apps = list(app_tokens)
        if user_id is None and not sids and not apps:
            return

        async def publish() -> None:
            await self.publish(user_id=user_id, session_ids=sids, app_tokens=apps)

        on_commit(session, publish)

    async def publish(
        self,
        *,
        user_id: uuid.UUID | None = None,
        session_ids: Iterable[uuid.UUID] = (),
        app_tokens: Iterable[tuple[uuid.UUID, datetime]] = (),
    ) -> None:
        now = time.time()
        fields: dict[str, str] = {f"{SESSION_FIELD}{sid}": f"{now:.3f}" for sid in session_ids}
        for token_id, expires_at in app_tokens:
            fields[f"{SESSION_FIELD}{token_id}"] = f"{expires_at.timestamp():.3f}"
        if user_id is not None:
            # Whole seconds, as `iat` is: a token issued in an earlier second is refused.
            fields[f"{USER_FIELD}{user_pseudonym(str(user_id))}"] = str(int(now))
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.key, mapping=fields)
            pipe.xadd(self.stream, fields, maxlen=STREAM_MAX_LENGTH, approximate=True)  # type: ignore[arg-type]
            await pipe.execute()
        logger.info(
            "sessions revoked",
            extra={"user_id": str(user_id) if user_id else None, "sessions": len(fields)},
        )
        if random.randrange(PRUNE_ONE_IN) == 0:  # noqa: S311 - not a secret
            await self.prune()

    async def prune(self) -> None:
        horizon = time.time() - REVOCATION_KEEP_SECONDS
        entries: dict[str, str] = await self.redis.hgetall(self.key)  # type: ignore[misc]
        stale = [name for name, at in entries.items() if float(at) < horizon]
        if stale:
            await self.redis.hdel(self.key, *stale)  # type: ignore[misc]
