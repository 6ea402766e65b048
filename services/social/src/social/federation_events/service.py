"""What federation must hear of, as outbox events (`federation_event`), written in the
transaction of the change and sent right after its commit (the relay sends what that could
not). Only what local users do is told: what remote accounts do came from federation.

Federation is on for a session when the app put an `Outbox` in its sessionmaker's info
(`enable`); without one every function here returns at once, writing nothing, so callers
never need to know whether federation runs.
"""

import enum
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import on_commit
from common.errors import ApiError
from social.clients.federation import FederationClient
from social.federation_events import repository
from social.models import FederationEvent, Post, Profile

logger = logging.getLogger(__name__)

_OUTBOX = "federation_outbox"
# This transaction's events, sent together once it commits.
_PENDING = "federation_events"


class EventKind(enum.StrEnum):
    post_created = "post.created"
    post_updated = "post.updated"
    post_deleted = "post.deleted"
    comment_created = "comment.created"
    comment_deleted = "comment.deleted"
    like_created = "like.created"
    like_deleted = "like.deleted"
    follow_requested = "follow.requested"
    follow_undone = "follow.undone"
    follow_approved = "follow.approved"
    follow_rejected = "follow.rejected"
    block_created = "block.created"
    block_deleted = "block.deleted"
    profile_updated = "profile.updated"
    account_deleted = "account.deleted"


@dataclass(frozen=True)
class Outbox:
    client: FederationClient
    # How long the relay leaves a new event alone while its commit sends it.
    first_retry_after: timedelta


def enable(sessionmaker: async_sessionmaker[AsyncSession], outbox: Outbox) -> None:
    """Turn the outbox on for every session the app makes (requests and loops alike)."""
    sessionmaker.configure(info={_OUTBOX: outbox})


def wire(event: FederationEvent) -> dict[str, Any]:
    """An event as federation's POST /internal/federation/events takes it."""
    return {"id": str(event.id), "kind": event.kind, "payload": event.payload}


def _outbox(session: AsyncSession) -> Outbox | None:
    outbox: Outbox | None = session.info.get(_OUTBOX)
    return outbox


async def _emit(session: AsyncSession, kind: EventKind, payload: dict[str, Any]) -> None:
    outbox = _outbox(session)
    assert outbox is not None  # every caller asked _outbox first
    event = await repository.add(
        session, kind=kind.value, payload=payload, delay=outbox.first_retry_after
    )
    pending: list[FederationEvent] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        events = pending

        async def send_now() -> None:
            session.info.pop(_PENDING, None)
            try:
                await outbox.client.send_events([wire(event) for event in events])
            except ApiError as exc:
                logger.warning("federation events left to the relay (%s)", exc.code)
                return
            await repository.remove(session, [event.id for event in events])

        on_commit(session, send_now)
    pending.append(event)


async def _local(session: AsyncSession, profile_id: uuid.UUID) -> Profile | None:
    """The profile if it is a local user's (what federation speaks for)."""
    profile = await session.get(Profile, profile_id)
    return profile if profile is not None and profile.actor_uri is None else None


async def _remote(session: AsyncSession, profile_id: uuid.UUID) -> str | None:
    """The actor of a remote account; None for a local user."""
    profile = await session.get(Profile, profile_id)
    return None if profile is None else profile.actor_uri


async def post_published(
    session: AsyncSession, *, post_id: uuid.UUID, author_id: uuid.UUID, edited: bool
) -> None:
    """A local user posted (Create) or changed a post's caption, warning or alt texts
    (Update)."""
    if _outbox(session) and (author := await _local(session, author_id)):
        kind = EventKind.post_updated if edited else EventKind.post_created
        await _emit(session, kind, {"post_id": str(post_id), "author_username": author.username})


async def post_deleted(session: AsyncSession, *, post_id: uuid.UUID, author_id: uuid.UUID) -> None:
    """A local user's post is gone; who saw it (its visibility) says where the Delete goes."""
    if _outbox(session) and (author := await _local(session, author_id)):
        payload = {
            "post_id": str(post_id),
            "author_username": author.username,
            "visibility": "followers" if author.is_private else "public",
        }
        await _emit(session, EventKind.post_deleted, payload)


async def comment_changed(
    session: AsyncSession,
    *,
    comment_id: uuid.UUID,
    author_id: uuid.UUID,
    post_id: uuid.UUID,
    deleted: bool,
) -> None:
    """A local user commented on a remote post (a reply to its Note), or deleted that."""
    if not _outbox(session):
        return
    post = await session.get(Post, post_id)
    if post is None or post.uri is None or not (author := await _local(session, author_id)):
        return
    payload = {
        "comment_id": str(comment_id),
        "author_username": author.username,
        "post_author_actor_uri": await _remote(session, post.author_id),
    }
    kind = EventKind.comment_deleted if deleted else EventKind.comment_created
    await _emit(session, kind, payload)


async def like_changed(
    session: AsyncSession, *, post: Post, user_id: uuid.UUID, liked: bool
) -> None:
    """A local user liked a remote post, or took the like back."""
    if _outbox(session) and post.uri is not None and (user := await _local(session, user_id)):
        payload = {
            "username": user.username,
            "post_id": str(post.id),
            "post_uri": post.uri,
            "post_author_actor_uri": await _remote(session, post.author_id),
        }
        kind = EventKind.like_created if liked else EventKind.like_deleted
        await _emit(session, kind, payload)


async def follow_changed(
    session: AsyncSession, *, follower_id: uuid.UUID, followee: Profile, requested: bool
) -> None:
    """A local user asked to follow a remote account (Follow), or stopped following it or
    withdrew the request (Undo)."""
    if (
        _outbox(session)
        and followee.actor_uri is not None
        and (follower := await _local(session, follower_id))
    ):
        kind = EventKind.follow_requested if requested else EventKind.follow_undone
        await _emit(session, kind, {"username": follower.username, "actor_uri": followee.actor_uri})


async def follow_answered(
    session: AsyncSession, *, owner_id: uuid.UUID, requester_id: uuid.UUID, approved: bool
) -> None:
    """A local private account approved (Accept) or declined (Reject) a remote request."""
    if (
        _outbox(session)
        and (actor_uri := await _remote(session, requester_id))
        and (owner := await _local(session, owner_id))
    ):
        kind = EventKind.follow_approved if approved else EventKind.follow_rejected
        await _emit(session, kind, {"username": owner.username, "actor_uri": actor_uri})


async def block_changed(
    session: AsyncSession, *, owner_id: uuid.UUID, target: Profile, blocked: bool
) -> None:
    """A local user blocked a remote account (Block; federation also ends the follows
    between them on the other server) or unblocked it (Undo)."""
    if (
        _outbox(session)
        and target.actor_uri is not None
        and (owner := await _local(session, owner_id))
    ):
        kind = EventKind.block_created if blocked else EventKind.block_deleted
        await _emit(session, kind, {"username": owner.username, "actor_uri": target.actor_uri})


async def all_requests_approved(session: AsyncSession, *, owner: Profile) -> None:
    """A local account went public: each remote request waiting for it is accepted. Called
    before the requests turn into follows."""
    if _outbox(session) and owner.actor_uri is None:
        for actor_uri in await repository.remote_requesters(session, owner.id):
            payload = {"username": owner.username, "actor_uri": actor_uri}
            await _emit(session, EventKind.follow_approved, payload)


async def profile_updated(session: AsyncSession, *, profile: Profile) -> None:
    """A local user changed the bio, the avatar or the privacy (Update of the actor)."""
    if _outbox(session) and profile.actor_uri is None:
        await _emit(session, EventKind.profile_updated, {"username": profile.username})


async def account_deleted(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    """A local account is being deleted: its remote followers' servers are told (Delete of
    the actor). Called before the delete, while its follows are there to read."""
    if _outbox(session) and (user := await _local(session, user_id)):
        payload = {
            "username": user.username,
            "remote_follower_actor_uris": await repository.remote_followers(session, user_id),
        }
        await _emit(session, EventKind.account_deleted, payload)
