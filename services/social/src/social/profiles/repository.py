"""Profile SQL."""

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from social.follows.models import Follow
from social.posts.models import Post
from social.profiles.models import Profile


async def upsert_identity(
    session: AsyncSession, *, user_id: uuid.UUID, username: str, asserted_at: datetime
) -> None:
    """Create the profile, or take the username if this news is newer than what we hold."""
    statement = insert(Profile).values(id=user_id, username=username, username_at=asserted_at)
    statement = statement.on_conflict_do_update(
        index_elements=[Profile.id],
        set_={"username": statement.excluded.username, "username_at": asserted_at},
        where=Profile.username_at < statement.excluded.username_at,
    )
    await session.execute(statement)


async def get(session: AsyncSession, user_id: uuid.UUID) -> Profile | None:
    return await session.get(Profile, user_id)


async def is_following(
    session: AsyncSession, *, follower_id: uuid.UUID, followee_id: uuid.UUID
) -> bool:
    found = await session.scalar(
        select(Follow.id).where(
            Follow.follower_id == follower_id, Follow.followee_id == followee_id
        )
    )
    return found is not None


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
