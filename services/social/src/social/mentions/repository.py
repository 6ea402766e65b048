"""Mention SQL: who a name is, a post's mentions kept in step with its caption, and a
comment's."""

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from social.models import CommentMention, PostMention, Profile, may_see, username_search_key


async def users_named(session: AsyncSession, names: Sequence[str]) -> dict[str, uuid.UUID]:
    """lower-cased username → user id, for the names that are someone's (one probe each of
    ix_profile_username_search)."""
    if not names:
        return {}
    key = username_search_key(Profile.username)
    rows = await session.execute(
        select(key, Profile.id).where(key.in_([name.lower() for name in names]))
    )
    return {name: user_id for name, user_id in rows}


async def replace_post_mentions(
    session: AsyncSession, *, post_id: uuid.UUID, user_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Make the post's mentions exactly `user_ids`, in that order; the users it did not
    mention before."""
    before = set(
        await session.scalars(select(PostMention.user_id).where(PostMention.post_id == post_id))
    )
    await session.execute(
        delete(PostMention).where(
            PostMention.post_id == post_id, PostMention.user_id.not_in(user_ids)
        )
    )
    if user_ids:
        statement = insert(PostMention).values(
            [{"post_id": post_id, "user_id": u, "position": i} for i, u in enumerate(user_ids)]
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[PostMention.post_id, PostMention.user_id],
                set_={"position": statement.excluded.position},
            )
        )
    return set(user_ids) - before


async def add_comment_mentions(
    session: AsyncSession, *, comment_id: uuid.UUID, user_ids: list[uuid.UUID]
) -> None:
    """Store a new comment's mentions, in the order written."""
    if user_ids:
        await session.execute(
            insert(CommentMention).values(
                [
                    {"comment_id": comment_id, "user_id": u, "position": i}
                    for i, u in enumerate(user_ids)
                ]
            )
        )


async def may_see_posts_of(
    session: AsyncSession, *, viewer_id: uuid.UUID, author_id: uuid.UUID
) -> bool:
    """Whether the viewer may see the author's posts (a private account: only approved
    followers may)."""
    return bool(await session.scalar(select(may_see(viewer_id, author_id))))
