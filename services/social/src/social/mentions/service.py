"""Mention rules: `@username` in a caption or a comment links that user and notifies
them; a name that is nobody's stays plain text. A caption's mentions are kept (the post
shows them) and re-read on every edit, notifying only the newly mentioned; a comment's are
kept when it is written (the comment shows them; it is never edited)."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from social.mentions import repository
from social.notifications import service as notifications
from social.tags.parsing import parse_mentions


async def _mentioned(*, session: AsyncSession, text: str) -> list[uuid.UUID]:
    """The users the text names, in order of first mention."""
    names = parse_mentions(text)
    users = await repository.users_named(session, names)
    return list(dict.fromkeys(users[name] for name in names if name in users))


async def _notify(
    *,
    session: AsyncSession,
    recipient_id: uuid.UUID,
    actor_id: uuid.UUID,
    post_id: uuid.UUID,
    post_author_id: uuid.UUID,
    comment_id: uuid.UUID | None = None,
) -> None:
    # A private account's post is 404 to whoever may not see it: a notification pointing
    # there would only tell them it exists.
    if await repository.may_see_posts_of(session, viewer_id=recipient_id, author_id=post_author_id):
        await notifications.notify_mention(
            session=session,
            recipient_id=recipient_id,
            actor_id=actor_id,
            post_id=post_id,
            comment_id=comment_id,
        )


async def sync_post_mentions(
    *, session: AsyncSession, post_id: uuid.UUID, author_id: uuid.UUID, caption: str
) -> None:
    """Store the caption's mentions as the post's (on posting, and after a caption edit) and
    notify whoever it newly names (never the author, nor across a block or a mute, nor
    anyone a private author's post is hidden from)."""
    user_ids = await _mentioned(session=session, text=caption)
    added = await repository.replace_post_mentions(session, post_id=post_id, user_ids=user_ids)
    for user_id in user_ids:
        if user_id in added:
            await _notify(
                session=session,
                recipient_id=user_id,
                actor_id=author_id,
                post_id=post_id,
                post_author_id=author_id,
            )


async def add_comment_mentions(
    *,
    session: AsyncSession,
    post_id: uuid.UUID,
    post_author_id: uuid.UUID,
    comment_id: uuid.UUID,
    comment_author_id: uuid.UUID,
    content: str,
) -> None:
    """Store the users a new comment names as its mentions and notify them; the post's
    author hears of the comment already, once is enough."""
    user_ids = await _mentioned(session=session, text=content)
    await repository.add_comment_mentions(session, comment_id=comment_id, user_ids=user_ids)
    for user_id in user_ids:
        if user_id != post_author_id:
            await _notify(
                session=session,
                recipient_id=user_id,
                actor_id=comment_author_id,
                post_id=post_id,
                post_author_id=post_author_id,
                comment_id=comment_id,
            )
