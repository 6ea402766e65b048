"""`POST /api/v1/statuses`: a post of the caller's uploads, or a reply (a comment), once per
`Idempotency-Key`.

Apps retry a post whose answer they did not get; Mastodon answers a retry carrying the same
`Idempotency-Key` from the same account within an hour with the status the first made
instead of posting twice. The key (hashed: it is the client's string) maps to the status
id in Redis for an hour, written as Mastodon writes it: after the status is made, in the
request. A request that then fails leaves a key naming no status, and the retry posts. Two
requests with one key at the same instant can both post, as they can on Mastodon."""

import hashlib
import uuid
from datetime import timedelta
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import NotFound
from social.clients.media import MediaClient
from social.comments.schemas import CommentCreate
from social.links import Links
from social.mastodon import replies, service
from social.mastodon.dependencies import thread_of
from social.mastodon.schemas import StatusCreate

IDEMPOTENCY_TTL = timedelta(hours=1)


def _idempotency_key(author_id: uuid.UUID, key: str) -> str:
    return f"mastodon:idempotency:{author_id}:{hashlib.sha256(key.encode()).hexdigest()}"


async def _reply(
    *, session: AsyncSession, author_id: uuid.UUID, data: StatusCreate, links: Links
) -> dict[str, Any]:
    try:
        body = CommentCreate(content=data.status)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_input=False)) from exc
    assert data.in_reply_to_id is not None
    # The thread's post, if the caller may see it (404 otherwise, as Mastodon answers a
    # reply to a status it cannot show).
    thread = await thread_of(data.in_reply_to_id, session, author_id)
    return await replies.reply(
        session=session, author_id=author_id, post=thread.post, content=body.content, links=links
    )


async def publish(
    *,
    session: AsyncSession,
    redis: Redis,
    author_id: uuid.UUID,
    data: StatusCreate,
    idempotency_key: str | None,
    media: MediaClient,
    links: Links,
) -> dict[str, Any]:
    """Post, or reply; a retry with the same `Idempotency-Key` answers the first status."""
    key = _idempotency_key(author_id, idempotency_key) if idempotency_key else None
    if key is not None and (first := await redis.get(key)) is not None:
        try:
            thread = await thread_of(first, session, author_id)
        except NotFound:
            pass  # deleted since, or its request failed: this one posts
        else:
            return await replies.view(
                session=session, thread=thread, viewer_id=author_id, links=links
            )
    if data.in_reply_to_id is not None:
        shown = await _reply(session=session, author_id=author_id, data=data, links=links)
    else:
        shown = await service.post_status(
            session=session, author_id=author_id, data=data, media=media, links=links
        )
    if key is not None:
        await redis.set(key, shown["id"], ex=IDEMPOTENCY_TTL)
    return shown
