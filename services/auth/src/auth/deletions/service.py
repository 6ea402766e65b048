"""Account deletion: asked for here, applied by every service from the user.deleted event,
each reporting back when it holds nothing of the user any more.

Asking deletes the account row at once (its sign-in identities, sessions, Meta connection
and linked Instagram accounts go with it, so every session ends at that moment) and
queues user.deleted in the same transaction. Once every service has reported, the last
traces here go too: the user's events, in the outbox and on the stream, and these rows.
"""

import uuid
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from auth.config import Settings
from auth.deletions import repository
from auth.deletions.schemas import DeletionStatus
from auth.mail import repository as mail
from auth.outbox import repository as outbox
from auth.outbox.service import record_user_event
from auth.sessions.revocations import TokenRevoker
from auth.sessions.service import revoke_all_sessions
from auth.sessions.throttle import LoginThrottle
from auth.users import repository as users
from auth.users.models import User
from auth.users.passwords import verify_password
from common.errors import Forbidden, NotFound
from common.events import USER_DELETED


def _status(states: dict[str, bool]) -> DeletionStatus:
    return DeletionStatus(
        done=all(states.values()),
        services={service: "done" if done else "pending" for service, done in states.items()},
    )


async def request_deletion(
    *,
    session: AsyncSession,
    settings: Settings,
    throttle: LoginThrottle,
    revoker: TokenRevoker,
    user: User,
    password: str | None,
) -> DeletionStatus:
    """Delete the account, proven by its password, or for an account without one by a
    sign-in within `deletion_sign_in_max_age_seconds` (403 otherwise)."""
    if user.password_hash is not None:
        if password is None or not await verify_password(user.password_hash, password):
            raise Forbidden("The account's password is needed", code="wrong_password")
    else:
        max_age = timedelta(seconds=settings.deletion_sign_in_max_age_seconds)
        if user.signed_in_at is None or datetime.now(UTC) - user.signed_in_at > max_age:
            raise Forbidden("Sign in again to delete this account", code="recent_sign_in_required")
    await record_user_event(
        session=session, type=USER_DELETED, user_id=user.id, username=user.username
    )
    await repository.add(session, user_id=user.id, services=settings.deletion_services)
    if user.email is not None:
        await mail.forget_address(session, user.email)
    # Its access tokens die at every service now, not when the services read user.deleted.
    await revoke_all_sessions(session=session, revoker=revoker, user_id=user.id)
    await users.delete(session, user)
    # Failed sign-in counters are keyed by what was typed: the username or the email.
    for login in filter(None, (user.username, user.email)):
        await throttle.reset_account(login=login)
    return _status(dict.fromkeys(settings.deletion_services, False))


async def deletion_status(
    *, session: AsyncSession, settings: Settings, user_id: uuid.UUID
) -> DeletionStatus:
    """Per service, whether the user's deletion is applied. A deletion done everywhere has
    been forgotten: no rows and no account then means done."""
    states = await repository.states(session, user_id)
    if not states:
        if await users.get(session, user_id) is not None:
            raise NotFound("This account is not being deleted", code="no_deletion")
        states = dict.fromkeys(settings.deletion_services, True)
    return _status(states)


async def record_done(
    *, session: AsyncSession, redis: Redis, users_stream: str, user_id: uuid.UUID, service: str
) -> None:
    """A service applied the deletion; after the last one, forget the user here too.
    Idempotent: a report for a deletion already forgotten changes nothing."""
    states = await repository.states(session, user_id, lock=True)
    if service not in states:
        return
    await repository.mark_done(session, user_id=user_id, service=service)
    states[service] = True
    if all(states.values()):
        stream_ids = await outbox.forget_user(session, user_id)
        if stream_ids:
            await redis.xdel(users_stream, *stream_ids)
        await repository.remove(session, user_id)
