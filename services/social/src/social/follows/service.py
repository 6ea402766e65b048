"""Follow rules: idempotent both ways, never yourself, counters in the same transaction."""

import uuid
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import ApiError
from social.follows import repository
from social.links import Links
from social.pagination import Page, PageRequest
from social.profiles.models import Profile
from social.profiles.schemas import AuthorRead
from social.profiles.service import author_read


async def follow(session: AsyncSession, *, follower_id: uuid.UUID, followee: Profile) -> None:
    """Follow a user; following one already followed changes nothing."""
    if follower_id == followee.id:
        raise ApiError("You cannot follow yourself", code="cannot_follow_self")
    if await repository.insert_edge(session, follower_id=follower_id, followee_id=followee.id):
        await repository.add_counts(
            session, follower_id=follower_id, followee_id=followee.id, delta=1
        )
    await session.refresh(followee)


async def unfollow(session: AsyncSession, *, follower_id: uuid.UUID, followee: Profile) -> None:
    """Stop following a user; unfollowing one not followed changes nothing."""
    if await repository.delete_edge(session, follower_id=follower_id, followee_id=followee.id):
        await repository.add_counts(
            session, follower_id=follower_id, followee_id=followee.id, delta=-1
        )
    await session.refresh(followee)


async def list_people(
    session: AsyncSession,
    *,
    user: Profile,
    side: Literal["followers", "following"],
    page: PageRequest,
    links: Links,
) -> Page[AuthorRead]:
    """A page of a user's followers or followees, most recent first."""
    rows = await repository.list_people(
        session, user_id=user.id, side=side, after=page.after, limit=page.limit + 1
    )
    return page.page(rows, key=lambda row: row[0], item=lambda row: author_read(row[1], links))
