"""Notification SQL: groups, their actors and counters, and the pages a recipient reads."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, func, select, true, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.ids import new_id
from social.models import Comment, Notification, NotificationActor, NotificationKind, Post, Profile

# Actors shown with a notification; `actors_count` tells how many there are in all.
SHOWN_ACTORS = 3


async def open_like_group(
    session: AsyncSession, *, recipient_id: uuid.UUID, post_id: uuid.UUID, since: datetime
) -> uuid.UUID | None:
    """The post's like notification opened at or after `since`, if any."""
    return await session.scalar(
        select(Notification.id)
        .where(
            Notification.post_id == post_id,
            Notification.recipient_id == recipient_id,
            Notification.kind == NotificationKind.like,
            Notification.created_at >= since,
        )
        .order_by(Notification.id.desc())
        .limit(1)
    )


async def create(
    session: AsyncSession,
    *,
    recipient_id: uuid.UUID,
    kind: NotificationKind,
    actor_id: uuid.UUID,
    post_id: uuid.UUID | None = None,
    comment_id: uuid.UUID | None = None,
) -> None:
    notification_id = new_id()
    await session.execute(
        insert(Notification).values(
            id=notification_id,
            recipient_id=recipient_id,
            kind=kind,
            post_id=post_id,
            comment_id=comment_id,
            actors_count=1,
        )
    )
    await session.execute(
        insert(NotificationActor).values(notification_id=notification_id, actor_id=actor_id)
    )


async def caption_mention_exists(
    session: AsyncSession, *, recipient_id: uuid.UUID, post_id: uuid.UUID
) -> bool:
    """Whether the recipient was told of a mention in the post's caption already."""
    found = await session.scalar(
        select(Notification.id)
        .where(
            Notification.post_id == post_id,
            Notification.recipient_id == recipient_id,
            Notification.kind == NotificationKind.mention,
            Notification.comment_id.is_(None),
        )
        .limit(1)
    )
    return found is not None


async def join(session: AsyncSession, *, notification_id: uuid.UUID, actor_id: uuid.UUID) -> None:
    """Add an actor to a group, which becomes the newest and unread again."""
    joined = await session.scalar(
        insert(NotificationActor)
        .values(notification_id=notification_id, actor_id=actor_id)
        .on_conflict_do_nothing()
        .returning(NotificationActor.actor_id)
    )
    if joined is not None:
        await session.execute(
            update(Notification)
            .where(Notification.id == notification_id)
            .values(
                sort_id=new_id(),
                read=False,
                actors_count=Notification.actors_count + 1,
                updated_at=func.now(),
            )
            .execution_options(synchronize_session=False)
        )


async def withdraw(
    session: AsyncSession, *, actor_id: uuid.UUID, which: ColumnElement[bool]
) -> None:
    """Take the actor out of the notifications `which` picks; one left without actors goes."""
    left = (
        await session.scalars(
            delete(NotificationActor)
            .where(
                NotificationActor.actor_id == actor_id,
                NotificationActor.notification_id == Notification.id,
                which,
            )
            .returning(NotificationActor.notification_id)
        )
    ).all()
    if not left:
        return
    emptied = (
        await session.scalars(
            update(Notification)
            .where(Notification.id.in_(left))
            .values(actors_count=Notification.actors_count - 1)
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        )
    ).all()
    await session.execute(
        delete(Notification).where(Notification.id.in_(emptied), Notification.actors_count <= 0)
    )


async def delete_received(session: AsyncSession, recipient_id: uuid.UUID) -> None:
    await session.execute(delete(Notification).where(Notification.recipient_id == recipient_id))


async def page(
    session: AsyncSession, *, recipient_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> Sequence[Row[*tuple[Any, ...]]]:
    """A recipient's notifications newest first, with the post's media and the comment."""
    query = (
        select(
            Notification.id,
            Notification.sort_id,
            Notification.kind,
            Notification.actors_count,
            Notification.read,
            Notification.updated_at,
            Notification.post_id,
            Post.media_id,
            Notification.comment_id,
            Comment.content,
        )
        .outerjoin(Post, Post.id == Notification.post_id)
        .outerjoin(Comment, Comment.id == Notification.comment_id)
        .where(Notification.recipient_id == recipient_id)
    )
    if after is not None:
        query = query.where(Notification.sort_id < after)
    return (await session.execute(query.order_by(Notification.sort_id.desc()).limit(limit))).all()


async def latest_actors(
    session: AsyncSession, notification_ids: Sequence[uuid.UUID]
) -> Sequence[Row[uuid.UUID, Profile]]:
    """(notification id, actor) for the newest SHOWN_ACTORS of each notification: a short
    index range per group, however many actors a group has."""
    groups = select(Notification.id).where(Notification.id.in_(notification_ids)).subquery()
    latest = (
        select(NotificationActor.actor_id, NotificationActor.created_at)
        .where(NotificationActor.notification_id == groups.c.id)
        .order_by(NotificationActor.created_at.desc())
        .limit(SHOWN_ACTORS)
        .lateral()
    )
    query = (
        select(groups.c.id, Profile)
        .select_from(groups)
        .join(latest, true())
        .join(Profile, Profile.id == latest.c.actor_id)
        .order_by(groups.c.id, latest.c.created_at.desc())
    )
    return (await session.execute(query)).all()


async def unread_count(session: AsyncSession, recipient_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count()).where(
            Notification.recipient_id == recipient_id, Notification.read.is_(False)
        )
    )
    return int(count or 0)


async def mark_read(session: AsyncSession, *, recipient_id: uuid.UUID, up_to: uuid.UUID) -> None:
    await session.execute(
        update(Notification)
        .where(
            Notification.recipient_id == recipient_id,
            Notification.sort_id <= up_to,
            Notification.read.is_(False),
        )
        .values(read=True)
        .execution_options(synchronize_session=False)
    )
