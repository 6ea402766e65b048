"""Follow rules: idempotent both ways, never yourself, counters in the same transaction; a
private account's follows wait for its owner's approval."""

import uuid
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import ApiError, NotFound
from common.pagination import Page, PageRequest
from social.federation_events import service as federation_events
from social.follows import repository
from social.links import Links
from social.models import Profile
from social.notifications import service as notifications
from social.profiles import repository as profiles
from social.profiles.schemas import AuthorRead, FollowStatus
from social.profiles.service import author_read, ensure_not_blocked


async def follow(
    *, session: AsyncSession, follower_id: uuid.UUID, followee: Profile
) -> FollowStatus:
    """Follow a user, or ask to when the account is private (its owner is told); following
    one already followed, or asking again, changes nothing."""
    if follower_id == followee.id:
        raise ApiError("You cannot follow yourself", code="cannot_follow_self")
    # The pair's rows first, as a block takes them: the check below then stays true. The
    # lock also orders a request against its owner going public (which approves it).
    await profiles.lock_pair(session, follower_id, followee.id)
    await ensure_not_blocked(session=session, actor_id=follower_id, other_id=followee.id)
    await session.refresh(followee)
    following = await profiles.is_following(
        session, follower_id=follower_id, followee_id=followee.id
    )
    if followee.actor_uri is not None:
        # A remote account's server decides, whatever its privacy says here: a request,
        # until federation reports its answer (follow-answers).
        if following:
            return FollowStatus.following
        if await repository.insert_request(
            session, requester_id=follower_id, target_id=followee.id
        ):
            await federation_events.follow_changed(
                session, follower_id=follower_id, followee=followee, requested=True
            )
        return FollowStatus.requested
    if followee.is_private and not following:
        if await repository.insert_request(
            session, requester_id=follower_id, target_id=followee.id
        ):
            await notifications.notify_follow_request(
                session=session, recipient_id=followee.id, actor_id=follower_id
            )
        return FollowStatus.requested
    await _add_follow(session=session, follower_id=follower_id, followee_id=followee.id)
    await notifications.notify_follow(
        session=session, recipient_id=followee.id, actor_id=follower_id
    )
    await session.refresh(followee)
    return FollowStatus.following


async def _add_follow(
    *, session: AsyncSession, follower_id: uuid.UUID, followee_id: uuid.UUID
) -> bool:
    added = await repository.insert_edge(session, follower_id=follower_id, followee_id=followee_id)
    if added:
        await repository.add_counts(
            session, follower_id=follower_id, followee_id=followee_id, delta=1
        )
    return added


async def unfollow(
    *,
    session: AsyncSession,
    follower_id: uuid.UUID,
    followee: Profile,
    tell_federation: bool = True,
) -> None:
    """Stop following a user, or withdraw the request; unfollowing one not followed
    changes nothing. A remote account's server is told (Undo), unless it is the one that
    ended it (`tell_federation=False`: it rejected the follow)."""
    withdrawn = await repository.delete_request(
        session, requester_id=follower_id, target_id=followee.id
    )
    if withdrawn:
        await notifications.withdraw_follow_request(
            session=session, recipient_id=followee.id, actor_id=follower_id
        )
    unfollowed = await repository.delete_edge(
        session, follower_id=follower_id, followee_id=followee.id
    )
    if unfollowed:
        await repository.add_counts(
            session, follower_id=follower_id, followee_id=followee.id, delta=-1
        )
        await notifications.withdraw_follow(
            session=session, recipient_id=followee.id, actor_id=follower_id
        )
    if tell_federation and (withdrawn or unfollowed):
        await federation_events.follow_changed(
            session, follower_id=follower_id, followee=followee, requested=False
        )
    await session.refresh(followee)


async def list_people(
    *,
    session: AsyncSession,
    user: Profile,
    side: Literal["followers", "following"],
    viewer_id: uuid.UUID | None,
    page: PageRequest[uuid.UUID],
    links: Links,
) -> Page[AuthorRead]:
    """A page of a user's followers or followees, most recent first."""
    rows = await repository.list_people(
        session,
        user_id=user.id,
        side=side,
        viewer_id=viewer_id,
        after=page.after,
        limit=page.limit + 1,
    )
    return page.page(rows, key=lambda row: row[0], item=lambda row: author_read(row[1], links))


async def list_requests(
    *, session: AsyncSession, owner_id: uuid.UUID, page: PageRequest[uuid.UUID], links: Links
) -> Page[AuthorRead]:
    """The people waiting for the owner's approval, most recent request first."""
    rows = await repository.list_requests(
        session, target_id=owner_id, after=page.after, limit=page.limit + 1
    )
    return page.page(rows, key=lambda row: row[0], item=lambda row: author_read(row[1], links))


async def answer_request(
    *, session: AsyncSession, owner_id: uuid.UUID, requester: Profile, approve: bool
) -> None:
    """Approve (a follow, the requester told) or decline (nothing said) a request; 404 when
    that person has no pending request."""
    await profiles.lock_pair(session, owner_id, requester.id)
    if not await repository.delete_request(session, requester_id=requester.id, target_id=owner_id):
        raise NotFound("No such follow request", code="follow_request_not_found")
    await notifications.withdraw_follow_request(
        session=session, recipient_id=owner_id, actor_id=requester.id
    )
    if approve and await _add_follow(
        session=session, follower_id=requester.id, followee_id=owner_id
    ):
        await notifications.notify_follow_approved(
            session=session, recipient_id=requester.id, actor_id=owner_id
        )
    await federation_events.follow_answered(
        session, owner_id=owner_id, requester_id=requester.id, approved=approve
    )
