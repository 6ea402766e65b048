"""Reaction rules: like and dislike exclude each other, repeat harmlessly, and keep the
post's counters exact because each change and its counter update share one transaction."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import Conflict
from social.posts import repository as posts
from social.posts.models import Post
from social.reactions import repository
from social.reactions.models import ReactionKind

# A reaction removed by a concurrent request between our insert and our lock is retried;
# more than this many such races in one request means something else is wrong.
ATTEMPTS = 3


def _counter(kind: ReactionKind) -> str:
    return f"{kind.value}_count"


async def react(
    session: AsyncSession, *, post: Post, user_id: uuid.UUID, kind: ReactionKind
) -> None:
    """Set the user's reaction to `kind`, replacing the other kind; a repeat changes nothing."""
    for _ in range(ATTEMPTS):
        if await repository.insert_new(session, post_id=post.id, user_id=user_id, kind=kind):
            await posts.add_counts(session, post_id=post.id, **{_counter(kind): 1})
            return
        current = await repository.lock_current(session, post_id=post.id, user_id=user_id)
        if current is None:
            continue
        if current != kind:
            await repository.change(session, post_id=post.id, user_id=user_id, kind=kind)
            await posts.add_counts(
                session, post_id=post.id, **{_counter(kind): 1, _counter(current): -1}
            )
        return
    raise Conflict("The reaction changed concurrently; try again", code="reaction_conflict")


async def unreact(
    session: AsyncSession, *, post: Post, user_id: uuid.UUID, kind: ReactionKind
) -> None:
    """Remove the user's reaction if it is `kind`; otherwise change nothing."""
    if await repository.delete_kind(session, post_id=post.id, user_id=user_id, kind=kind):
        await posts.add_counts(session, post_id=post.id, **{_counter(kind): -1})
