"""Profile SQL, with what lies between a viewer and a profile: a follow, a block, a mute."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    Select,
    Uuid,
    bindparam,
    case,
    delete,
    exists,
    false,
    func,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.reads import Query, ReadPool
from social.models import (
    Follow,
    FollowRequest,
    Post,
    Profile,
    Restriction,
    RestrictionKind,
    blocked_between,
    hidden_from,
    shown_to,
    username_search_key,
)

# Whether the viewer may see a profile's posts (public, the viewer's own, or followed), on
# the read path (common.reads): no row when there is no such profile here.
VISIBLE_TO_QUERY = Query.of(
    select(shown_to(bindparam("viewer", type_=Uuid), Profile.id).label("visible")).where(
        Profile.id == bindparam("user_id", type_=Uuid)
    )
)


async def visible_to(
    reads: ReadPool, *, user_id: uuid.UUID, viewer_id: uuid.UUID | None
) -> bool | None:
    """Whether the viewer may see the profile's posts; None: no such profile here."""
    rows = await reads.fetch(VISIBLE_TO_QUERY, user_id=user_id, viewer=viewer_id)
    return bool(rows[0]["visible"]) if rows else None


# Sorts after every character a username can hold: prefix <= key < prefix + this.
_AFTER_ANY_CHARACTER = chr(0x10FFFF)


async def upsert_identity(
    session: AsyncSession, *, user_id: uuid.UUID, username: str, asserted_at: datetime
) -> None:
    """Create the profile, or take the username if this news is newer than what we hold.

    Two statements, not ON CONFLICT DO UPDATE: that locks the row even when it changes
    nothing, and a request's first call would then hold its caller's profile locked until
    it commits. These lock a row only when they write it.
    """
    await session.execute(
        insert(Profile)
        .values(id=user_id, username=username, username_at=asserted_at)
        .on_conflict_do_nothing(index_elements=[Profile.id])
    )
    await session.execute(
        update(Profile)
        .where(Profile.id == user_id, Profile.username_at < asserted_at)
        .values(username=username, username_at=asserted_at)
    )


async def get(session: AsyncSession, user_id: uuid.UUID) -> Profile | None:
    return await session.get(Profile, user_id)


async def lock_pair(session: AsyncSession, a: uuid.UUID, b: uuid.UUID) -> None:
    """Two profiles' row locks, in id order so that no two lockers of a pair deadlock."""
    await session.execute(
        select(Profile.id).where(Profile.id.in_([a, b])).order_by(Profile.id).with_for_update()
    )


async def is_following(
    session: AsyncSession, *, follower_id: uuid.UUID, followee_id: uuid.UUID
) -> bool:
    found = await session.scalar(
        select(Follow.id).where(
            Follow.follower_id == follower_id, Follow.followee_id == followee_id
        )
    )
    return found is not None


async def has_requested(
    session: AsyncSession, *, requester_id: uuid.UUID, target_id: uuid.UUID
) -> bool:
    found = await session.scalar(
        select(FollowRequest.id).where(
            FollowRequest.requester_id == requester_id, FollowRequest.target_id == target_id
        )
    )
    return found is not None


async def approve_all_requests(session: AsyncSession, target_id: uuid.UUID) -> None:
    """Turn every pending request to follow `target_id` into a follow, counters included."""
    requests = (
        delete(FollowRequest)
        .where(FollowRequest.target_id == target_id)
        .returning(FollowRequest.requester_id)
    )
    requesters = list(await session.scalars(requests))
    if not requesters:
        return
    added = list(
        await session.scalars(
            insert(Follow)
            .values([{"follower_id": r, "followee_id": target_id} for r in requesters])
            .on_conflict_do_nothing()
            .returning(Follow.follower_id)
        )
    )
    if added:
        # One relative UPDATE, rows in index order, as a single follow does.
        await session.execute(
            update(Profile)
            .where(Profile.id.in_([*added, target_id]))
            .values(
                following_count=Profile.following_count
                + case((Profile.id == target_id, 0), else_=1),
                followers_count=Profile.followers_count
                + case((Profile.id == target_id, len(added)), else_=0),
            )
            .execution_options(synchronize_session=False)
        )


async def is_blocked_between(session: AsyncSession, a: uuid.UUID, b: uuid.UUID) -> bool:
    return bool(await session.scalar(select(blocked_between(a, b))))


async def kinds_between(
    session: AsyncSession, *, owner_id: uuid.UUID, target_id: uuid.UUID
) -> set[RestrictionKind]:
    """What `owner_id` has put on `target_id` (blocked, muted)."""
    kinds = await session.scalars(
        select(Restriction.kind).where(
            Restriction.owner_id == owner_id, Restriction.target_id == target_id
        )
    )
    return set(kinds)


def search_query(
    *, prefix: str, viewer_id: uuid.UUID | None, after: uuid.UUID | None, limit: int
) -> Select[Profile, bool]:
    """(profile, viewer follows it) for usernames starting with `prefix`, any case, in
    username order: one range of ix_profile_username_search, already in the index's order.
    Nobody the viewer blocks or is blocked by."""
    key = username_search_key(Profile.username)
    low = func.lower(literal(prefix)).collate("C")
    following = (
        exists().where(Follow.follower_id == viewer_id, Follow.followee_id == Profile.id)
        if viewer_id is not None
        else false()
    )
    query = select(Profile, following).where(
        key >= low,
        key < (low + _AFTER_ANY_CHARACTER).collate("C"),
        Profile.id.not_in(hidden_from(viewer_id, muted=False)),
    )
    if after is not None:
        # The cursor is the last profile's id, like every other list's; its key is read back.
        last_key = select(key).where(Profile.id == after).scalar_subquery()
        query = query.where(tuple_(key, Profile.id) > tuple_(last_key, literal(after)))
    return query.order_by(key, Profile.id).limit(limit)


async def search(
    session: AsyncSession,
    *,
    prefix: str,
    viewer_id: uuid.UUID | None,
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[tuple[Profile, bool]]:
    query = search_query(prefix=prefix, viewer_id=viewer_id, after=after, limit=limit)
    return (await session.execute(query)).all()


async def likes_received(session: AsyncSession, author_id: uuid.UUID) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(Post.like_count), 0)).where(Post.author_id == author_id)
    )
    return int(total or 0)


async def add_posts_count(session: AsyncSession, *, user_id: uuid.UUID, delta: int) -> None:
    # Relative update in SQL, so concurrent posts by one author never lose a count.
    await session.execute(
        update(Profile).where(Profile.id == user_id).values(posts_count=Profile.posts_count + delta)
    )


async def update_fields(session: AsyncSession, profile: Profile, **fields: object) -> Profile:
    for name, value in fields.items():
        setattr(profile, name, value)
    await session.flush()
    return profile
