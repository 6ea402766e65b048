"""The Mastodon client API's notifications: the platform's own (grouped: a like by many
is one row with its latest actors), each shown as Mastodon's Notification with its latest
actor as `account` and the post as `status`."""

import uuid
from typing import Any

from fastapi import Request
from sqlalchemy import Uuid, bindparam
from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import NotFound
from common.reads import JSONBytes, json_bytes
from social.links import Links
from social.mastodon import repository
from social.mastodon.paging import TimelinePage, link_header
from social.mastodon.service import account
from social.mastodon.statuses import status
from social.models import NotificationKind, Post
from social.notifications import repository as notifications_repository
from social.posts import repository as posts_repository

# Mastodon's type for each kind; a follow approved has no counterpart and stays out.
TYPES = {
    NotificationKind.like: "favourite",
    NotificationKind.comment: "mention",
    NotificationKind.mention: "mention",
    NotificationKind.follow: "follow",
    NotificationKind.follow_request: "follow_request",
}
POSTS_QUERY = posts_repository.viewed(
    Post.id.in_(bindparam("post_ids", type_=Uuid, expanding=True))
)


def _iso(row: Any) -> str:
    return str(row.updated_at.isoformat()).replace("+00:00", "Z")


async def _entities(
    *, session: AsyncSession, rows: list[Any], recipient_id: uuid.UUID, links: Links
) -> list[dict[str, Any]]:
    actors: dict[uuid.UUID, Any] = {}
    for notification_id, latest in await notifications_repository.latest_actors(
        session, [row.id for row in rows]
    ):
        actors.setdefault(notification_id, latest)  # newest first: keep the latest
    post_ids = list({row.post_id for row in rows if row.post_id is not None})
    statuses = {
        post._mapping["id"]: status(post._mapping, links)
        for post in (
            await posts_repository.view(
                session, POSTS_QUERY, viewer_id=recipient_id, post_ids=post_ids
            )
            if post_ids
            else []
        )
    }
    shown = []
    for row in rows:
        actor = actors.get(row.id)
        if actor is None or row.kind not in TYPES:
            continue
        shown.append(
            {
                "id": str(row.sort_id),
                "type": TYPES[row.kind],
                "created_at": _iso(row),
                "account": account(actor, links).model_dump(),
                "status": statuses.get(row.post_id) if row.post_id else None,
                "group_key": f"ungrouped-{row.sort_id}",
            }
        )
    return shown


async def page(
    *,
    session: AsyncSession,
    recipient_id: uuid.UUID,
    paging: TimelinePage,
    links: Links,
    request: Request,
) -> JSONBytes:
    """A page of notifications, newest first, with the `Link` header."""
    if paging.min_id is not None:
        rows = await repository.notifications_after(
            session, recipient_id=recipient_id, after=paging.min_id, limit=paging.limit
        )
    else:
        rows = list(
            await notifications_repository.page(
                session, recipient_id=recipient_id, after=paging.max_id, limit=paging.limit
            )
        )
    kept = paging.keep(rows, key=lambda row: row.sort_id)
    shown = await _entities(session=session, rows=kept, recipient_id=recipient_id, links=links)
    link = link_header(request, links.public_url, [str(row.sort_id) for row in kept])
    return JSONBytes(json_bytes(shown), headers={"Link": link} if link else None)


async def one(
    *, session: AsyncSession, recipient_id: uuid.UUID, notification_id: str, links: Links
) -> dict[str, Any]:
    """One of the recipient's notifications by its id."""
    try:
        sort_id = uuid.UUID(notification_id)
    except ValueError:
        raise NotFound("Record not found", code="notification_not_found") from None
    rows = await notifications_repository.page(
        session, recipient_id=recipient_id, after=_just_after(sort_id), limit=1
    )
    shown = await _entities(
        session=session,
        rows=[row for row in rows if row.sort_id == sort_id],
        recipient_id=recipient_id,
        links=links,
    )
    if not shown:
        raise NotFound("Record not found", code="notification_not_found")
    return shown[0]


def _just_after(sort_id: uuid.UUID) -> uuid.UUID:
    # The page reads ids below `after`: one above this id reads it first.
    return uuid.UUID(int=sort_id.int + 1)


async def clear(*, session: AsyncSession, recipient_id: uuid.UUID) -> None:
    """`POST /api/v1/notifications/clear`: every notification of the recipient gone."""
    await repository.delete_notifications(session, recipient_id)
