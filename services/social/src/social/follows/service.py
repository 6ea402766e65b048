"""Follow rules: idempotent both ways, never yourself, counters in the same transaction."""

import uuid
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import ApiError
from common.pagination import Page, PageRequest
from social.follows import repository
from social.links import Links
from social.models import Profile
from social.notifications import service as notifications
from social.profiles import repository as profiles
from social.profiles.schemas import AuthorRead
from social.profiles.service import author_read, ensure_not_blocked


async def follow(*, session: AsyncSession, follower_id: uuid.UUID, followee: Profile) -> None:
    """Follow a user; following one already followed changes nothing."""
    if follower_id == followee.id:
        raise ApiError("You cannot follow yourself", code="cannot_follow_self")
    # The pair's rows first, as a block takes them: the check below then stays true.
    await profiles.lock_pair(session, follower_id, followee.id)
    await ensure_not_blocked(session=session, actor_id=follower_id, other_id=followee.id)
    if await repository.insert_edge(session, follower_id=follower_id, followee_id=followee.id):
        await repository.add_counts(
            session, follower_id=follower_id, followee_id=followee.id, delta=1
        )
        await notifications.notify_follow(
            session=session, recipient_id=followee.id, actor_id=follower_id
        )
    await session.refresh(followee)


async def unfollow(*, session: AsyncSession, follower_id: uuid.UUID, followee: Profile) -> None:
    """Stop following a user; unfollowing one not followed changes nothing."""
    if await repository.delete_edge(session, follower_id=follower_id, followee_id=followee.id):
        await repository.add_counts(
            session, follower_id=follower_id, followee_id=followee.id, delta=-1
        )
        await notifications.withdraw_follow(
            session=session, recipient_id=followee.id, actor_id=follower_id
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
