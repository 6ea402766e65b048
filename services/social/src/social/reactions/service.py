"""Reaction rules: like and dislike exclude each other, repeat harmlessly, and keep the
post's counters exact because each change and its counter update share one transaction."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from social.federation_events import service as federation_events
from social.models import Post, ReactionKind
from social.notifications import service as notifications
from social.posts import repository as posts
from social.posts.service import lock_post
from social.profiles.service import ensure_not_blocked
from social.reactions import repository


def _counter(kind: ReactionKind) -> str:
    return f"{kind.value}_count"


async def react(
    *, session: AsyncSession, post: Post, user_id: uuid.UUID, kind: ReactionKind
) -> None:
    """Set the user's reaction to `kind`, replacing the other kind; a repeat changes nothing."""
    await ensure_not_blocked(session=session, actor_id=user_id, other_id=post.author_id)
    # Every reaction change of a post holds the post's row lock first, so the user's
    # reaction read below stays as read until we commit.
    await lock_post(session=session, post_id=post.id)
    if await repository.insert_new(session, post_id=post.id, user_id=user_id, kind=kind):
        await posts.add_counts(session, post_id=post.id, **{_counter(kind): 1})
        await _notify(session=session, post=post, user_id=user_id, now=kind, before=None)
        return
    current = await repository.current(session, post_id=post.id, user_id=user_id)
    if current is not None and current != kind:
        await repository.change(session, post_id=post.id, user_id=user_id, kind=kind)
        await posts.add_counts(
            session, post_id=post.id, **{_counter(kind): 1, _counter(current): -1}
        )
        await _notify(session=session, post=post, user_id=user_id, now=kind, before=current)


async def unreact(
    *, session: AsyncSession, post: Post, user_id: uuid.UUID, kind: ReactionKind
) -> None:
    """Remove the user's reaction if it is `kind`; otherwise change nothing."""
    await lock_post(session=session, post_id=post.id)
    if await repository.delete_kind(session, post_id=post.id, user_id=user_id, kind=kind):
        await posts.add_counts(session, post_id=post.id, **{_counter(kind): -1})
        await _notify(session=session, post=post, user_id=user_id, now=None, before=kind)


async def _notify(
    *,
    session: AsyncSession,
    post: Post,
    user_id: uuid.UUID,
    now: ReactionKind | None,
    before: ReactionKind | None,
) -> None:
    """A like notifies the author; a dislike does not; a like undone is withdrawn. A local
    user's like of a remote post, or its undoing, goes to federation (a dislike is ours)."""
    if now is ReactionKind.like:
        await notifications.notify_like(
            session=session, recipient_id=post.author_id, actor_id=user_id, post_id=post.id
        )
        await federation_events.like_changed(session, post=post, user_id=user_id, liked=True)
    elif before is ReactionKind.like:
        await notifications.withdraw_like(session=session, actor_id=user_id, post_id=post.id)
        await federation_events.like_changed(session, post=post, user_id=user_id, liked=False)
