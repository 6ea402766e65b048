"""Revocations as every verifier keeps them: read from Redis at start, followed after,
checked in memory (common.tokens.Revocations), on a real Redis."""

import time
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from common.errors import Unauthorized
from common.loops import BackgroundLoop
from common.tokens import (
    Revocations,
    TokenVerifier,
    following_revocations,
    revocations_stream,
    user_pseudonym,
)
from tests.support.polling import eventually
from tests.support.token_issuer import AUDIENCE, ISSUER, TokenIssuer


@pytest.fixture
async def redis(servers) -> AsyncIterator[Redis]:
    client = Redis.from_url(servers["redis"].url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
def key() -> str:
    return f"test-revocations-{uuid.uuid4().hex[:8]}"


async def publish(redis: Redis, key: str, fields: dict[str, str]) -> None:
    """What auth's TokenRevoker writes: the hash, and the change on the stream."""
    await redis.hset(key, mapping=fields)
    await redis.xadd(revocations_stream(key), fields)


def claims(user: str, *, iat: float, sid: str | None = None) -> dict:
    return {"sub": user, "iat": int(iat), **({"sid": sid} if sid else {})}


async def test_refuses_tokens_issued_before_the_not_before_or_of_an_ended_session(redis, key):
    now = time.time()
    await publish(
        redis, key, {f"user:{user_pseudonym('ann')}": str(int(now)), "sid:s1": f"{now:.3f}"}
    )
    revocations = Revocations(redis, key)
    await revocations.sync()
    assert revocations.refuses(claims("ann", iat=now - 60))
    assert not revocations.refuses(claims("ann", iat=now + 1))  # signed in again after
    assert revocations.refuses(claims("bob", iat=now + 1, sid="s1"))
    assert not revocations.refuses(claims("bob", iat=now - 60, sid="s2"))


async def test_changes_published_after_the_start_are_followed(redis, key):
    revocations = Revocations(redis, key)
    await revocations.sync()
    async with BackgroundLoop("follower", revocations.step, interval_seconds=0):
        await publish(redis, key, {"sid:later": f"{time.time():.3f}"})

        async def seen() -> bool:
            return revocations.refuses(claims("ann", iat=time.time(), sid="later"))

        await eventually(seen, timeout=5)


async def test_entries_older_than_any_token_are_forgotten(redis, key):
    await publish(redis, key, {f"user:{user_pseudonym('old')}": str(int(time.time()) - 7200)})
    revocations = Revocations(redis, key)
    await revocations.sync()
    assert revocations.users == {}


async def test_the_verifier_answers_401_token_revoked(servers, redis, key):
    issuer = TokenIssuer()
    await issuer.start()
    revocations = Revocations(redis, key)
    verifier = TokenVerifier(
        jwks_url=issuer.jwks_url, issuer=ISSUER, audience=AUDIENCE, revocations=revocations
    )
    try:
        async with following_revocations(revocations):
            user_id = str(uuid.uuid4())
            token = issuer.token(user_id)
            assert str((await verifier.verify(token)).id) == user_id
            await publish(
                redis, key, {f"user:{user_pseudonym(user_id)}": str(int(time.time()) + 1)}
            )

            async def refused() -> bool:
                try:
                    await verifier.verify(token)  # a verified token is cached: still checked
                except Unauthorized as exc:
                    return exc.code == "token_revoked"
                return False

            await eventually(refused, timeout=5)
    finally:
        await verifier.aclose()
        await issuer.stop()
