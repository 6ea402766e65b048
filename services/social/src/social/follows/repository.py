"""Follow SQL: the edges, their counters, the lists, and requests to follow a private
account."""

import uuid
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import Row, case, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from social.models import Follow, FollowRequest, Profile, hidden_from


async def insert_edge(
    session: AsyncSession, *, follower_id: uuid.UUID, followee_id: uuid.UUID
) -> bool:
    """True if the edge is new (a repeated follow inserts nothing)."""
    inserted = await session.scalar(
        insert(Follow)
        .values(follower_id=follower_id, followee_id=followee_id)
        .on_conflict_do_nothing()
        .returning(Follow.id)
    )
    return inserted is not None


async def delete_edge(
    session: AsyncSession, *, follower_id: uuid.UUID, followee_id: uuid.UUID
) -> bool:
    deleted = await session.scalar(
        delete(Follow)
        .where(Follow.follower_id == follower_id, Follow.followee_id == followee_id)
        .returning(Follow.id)
    )
    return deleted is not None


async def add_counts(
    session: AsyncSession, *, follower_id: uuid.UUID, followee_id: uuid.UUID, delta: int
) -> None:
    # Both rows in one relative UPDATE: no lost counts, and A→B racing B→A lock their two
    # rows in the same (index) order, so they cannot deadlock.
    await session.execute(
        update(Profile)
        .where(Profile.id.in_([follower_id, followee_id]))
        .values(
            following_count=Profile.following_count
            + case((Profile.id == follower_id, delta), else_=0),
            followers_count=Profile.followers_count
            + case((Profile.id == followee_id, delta), else_=0),
        )
        .execution_options(synchronize_session=False)
    )


async def list_people(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    side: Literal["followers", "following"],
    viewer_id: uuid.UUID | None,
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[Row[uuid.UUID, Profile]]:
    """(follow id, other user) rows of a user's followers or followees, newest follow first,
    without anyone the viewer blocks or is blocked by."""
    mine, theirs = (
        (Follow.followee_id, Follow.follower_id)
        if side == "followers"
        else (Follow.follower_id, Follow.followee_id)
    )
    query = (
        select(Follow.id, Profile)
        .join(Profile, Profile.id == theirs)
        .where(mine == user_id, theirs.not_in(hidden_from(viewer_id, muted=False)))
    )
    if after is not None:
        query = query.where(Follow.id < after)
    return (await session.execute(query.order_by(Follow.id.desc()).limit(limit))).all()


async def insert_request(
    session: AsyncSession, *, requester_id: uuid.UUID, target_id: uuid.UUID
) -> bool:
    """True if the request is new (asking again inserts nothing)."""
    inserted = await session.scalar(
        insert(FollowRequest)
        .values(requester_id=requester_id, target_id=target_id)
        .on_conflict_do_nothing()
        .returning(FollowRequest.id)
    )
    return inserted is not None


async def delete_request(
    session: AsyncSession, *, requester_id: uuid.UUID, target_id: uuid.UUID
) -> bool:
    deleted = await session.scalar(
        delete(FollowRequest)
        .where(FollowRequest.requester_id == requester_id, FollowRequest.target_id == target_id)
        .returning(FollowRequest.id)
    )
    return deleted is not None


async def list_requests(
    session: AsyncSession, *, target_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> Sequence[Row[uuid.UUID, Profile]]:
    """(request id, requester) rows of the requests to follow `target_id`, newest first."""
    query = (
        select(FollowRequest.id, Profile)
        .join(Profile, Profile.id == FollowRequest.requester_id)
        .where(FollowRequest.target_id == target_id)
    )
    if after is not None:
        query = query.where(FollowRequest.id < after)
    return (await session.execute(query.order_by(FollowRequest.id.desc()).limit(limit))).all()
