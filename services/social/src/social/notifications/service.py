"""Notification rules: who hears about what, written in the transaction of the action
itself and withdrawn by the action's undoing. Nobody hears about their own actions, nor
from someone they block or mute."""

import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Uuid, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from common.pagination import Page, PageRequest
from social.links import Links
from social.models import Notification, NotificationKind, hidden_from
from social.notifications import repository
from social.notifications.schemas import (
    NotificationRead,
    NotifiedComment,
    NotifiedPost,
    UnreadCount,
)
from social.profiles.service import author_read

# Likes of one post within this time of the first are one item ("minji and 12 others").
LIKE_GROUP_WINDOW = timedelta(hours=24)


async def _wants(*, session: AsyncSession, recipient_id: uuid.UUID, actor_id: uuid.UUID) -> bool:
    """Whether the recipient hears from this actor at all."""
    if recipient_id == actor_id:
        return False
    hidden = literal(actor_id, Uuid).in_(hidden_from(recipient_id, muted=True))
    return not await session.scalar(select(hidden))


async def notify_like(
    *,
    session: AsyncSession,
    recipient_id: uuid.UUID,
    actor_id: uuid.UUID,
    post_id: uuid.UUID,
) -> None:
    """A like joins the post's like group opened within LIKE_GROUP_WINDOW, or opens one.
    The caller holds the post's row lock, so two likes cannot both open a group."""
    if not await _wants(session=session, recipient_id=recipient_id, actor_id=actor_id):
        return
    since: datetime | None = await session.scalar(select(func.now() - LIKE_GROUP_WINDOW))
    assert since is not None  # now() always answers
    group = await repository.open_like_group(
        session, recipient_id=recipient_id, post_id=post_id, since=since
    )
    if group is None:
        await repository.create(
            session,
            recipient_id=recipient_id,
            kind=NotificationKind.like,
            actor_id=actor_id,
            post_id=post_id,
        )
    else:
        await repository.join(session, notification_id=group, actor_id=actor_id)


async def withdraw_like(*, session: AsyncSession, actor_id: uuid.UUID, post_id: uuid.UUID) -> None:
    await repository.withdraw(
        session,
        actor_id=actor_id,
        which=(Notification.kind == NotificationKind.like) & (Notification.post_id == post_id),
    )


async def notify_comment(
    *,
    session: AsyncSession,
    recipient_id: uuid.UUID,
    actor_id: uuid.UUID,
    post_id: uuid.UUID,
    comment_id: uuid.UUID,
) -> None:
    """One notification per comment; deleting the comment takes it along (FK cascade)."""
    if await _wants(session=session, recipient_id=recipient_id, actor_id=actor_id):
        await repository.create(
            session,
            recipient_id=recipient_id,
            kind=NotificationKind.comment,
            actor_id=actor_id,
            post_id=post_id,
            comment_id=comment_id,
        )


async def notify_follow(
    *, session: AsyncSession, recipient_id: uuid.UUID, actor_id: uuid.UUID
) -> None:
    if await _wants(session=session, recipient_id=recipient_id, actor_id=actor_id):
        await repository.create(
            session, recipient_id=recipient_id, kind=NotificationKind.follow, actor_id=actor_id
        )


async def withdraw_follow(
    *, session: AsyncSession, recipient_id: uuid.UUID, actor_id: uuid.UUID
) -> None:
    await repository.withdraw(
        session,
        actor_id=actor_id,
        which=(Notification.kind == NotificationKind.follow)
        & (Notification.recipient_id == recipient_id),
    )


async def notify_follow_request(
    *, session: AsyncSession, recipient_id: uuid.UUID, actor_id: uuid.UUID
) -> None:
    """Someone asked to follow the recipient's private account."""
    if await _wants(session=session, recipient_id=recipient_id, actor_id=actor_id):
        await repository.create(
            session,
            recipient_id=recipient_id,
            kind=NotificationKind.follow_request,
            actor_id=actor_id,
        )


async def withdraw_follow_request(
    *, session: AsyncSession, recipient_id: uuid.UUID, actor_id: uuid.UUID
) -> None:
    """The request was withdrawn, approved or declined: nothing is left to act on."""
    await repository.withdraw(
        session,
        actor_id=actor_id,
        which=(Notification.kind == NotificationKind.follow_request)
        & (Notification.recipient_id == recipient_id),
    )


async def notify_follow_approved(
    *, session: AsyncSession, recipient_id: uuid.UUID, actor_id: uuid.UUID
) -> None:
    """The owner of a private account (the actor) approved the recipient's request."""
    if await _wants(session=session, recipient_id=recipient_id, actor_id=actor_id):
        await repository.create(
            session,
            recipient_id=recipient_id,
            kind=NotificationKind.follow_approved,
            actor_id=actor_id,
        )


async def notify_mention(
    *,
    session: AsyncSession,
    recipient_id: uuid.UUID,
    actor_id: uuid.UUID,
    post_id: uuid.UUID,
    comment_id: uuid.UUID | None = None,
) -> None:
    """One notification per mention: in a comment (it goes with the comment), or in a
    caption, once per post however often edits name the user again."""
    if not await _wants(session=session, recipient_id=recipient_id, actor_id=actor_id):
        return
    if comment_id is None and await repository.caption_mention_exists(
        session, recipient_id=recipient_id, post_id=post_id
    ):
        return
    await repository.create(
        session,
        recipient_id=recipient_id,
        kind=NotificationKind.mention,
        actor_id=actor_id,
        post_id=post_id,
        comment_id=comment_id,
    )


async def withdraw_all_to(
    *, session: AsyncSession, recipient_id: uuid.UUID, actor_id: uuid.UUID
) -> None:
    """Everything the actor caused the recipient to be notified of (a block or a mute)."""
    await repository.withdraw(
        session, actor_id=actor_id, which=Notification.recipient_id == recipient_id
    )


async def forget_user(*, session: AsyncSession, user_id: uuid.UUID) -> None:
    """A deleted account: what it received, and its part in anyone else's notifications."""
    await repository.delete_received(session, user_id)
    await repository.withdraw(session, actor_id=user_id, which=Notification.id.is_not(None))


async def list_notifications(
    *, session: AsyncSession, recipient_id: uuid.UUID, page: PageRequest[uuid.UUID], links: Links
) -> Page[NotificationRead]:
    """A page of the recipient's notifications, newest first, with their latest actors."""
    rows = await repository.page(
        session, recipient_id=recipient_id, after=page.after, limit=page.limit + 1
    )
    shown = rows[: page.limit]
    actors = defaultdict(list)
    for notification_id, actor in await repository.latest_actors(session, [r.id for r in shown]):
        actors[notification_id].append(author_read(actor, links))

    def item(row: Row[*tuple[Any, ...]]) -> NotificationRead:
        return NotificationRead(
            id=row.sort_id,
            kind=row.kind,
            actors=actors[row.id],
            actors_count=row.actors_count,
            post=NotifiedPost(id=row.post_id, thumbnail_url=links.thumbnail(row.media_id))
            if row.post_id
            else None,
            comment=NotifiedComment(id=row.comment_id, content=row.content)
            if row.comment_id
            else None,
            created_at=row.updated_at,
            read=row.read,
        )

    return page.page(rows, key=lambda row: row.sort_id, item=item)


async def unread_count(*, session: AsyncSession, recipient_id: uuid.UUID) -> UnreadCount:
    return UnreadCount(count=await repository.unread_count(session, recipient_id))


async def mark_read(*, session: AsyncSession, recipient_id: uuid.UUID, up_to_id: uuid.UUID) -> None:
    """Mark read every notification up to and including `up_to_id` (newest first order)."""
    await repository.mark_read(session, recipient_id=recipient_id, up_to=up_to_id)
