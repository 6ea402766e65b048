"""Comment rules: anyone signed in may comment; only the author may delete; the post's
comment_count moves in the same transaction."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import NotFound
from common.pagination import Page, PageRequest
from social.comments import repository
from social.comments.schemas import CommentCreate, CommentRead
from social.federation_events import service as federation_events
from social.links import Links
from social.mentions import service as mentions
from social.mentions.schemas import MentionRead
from social.models import Comment, Post, Profile
from social.notifications import service as notifications
from social.posts import repository as posts
from social.posts.service import lock_post
from social.profiles.service import author_read, ensure_not_blocked


def comment_read(
    comment: Comment, author: Profile, mentioned: list[dict[str, Any]], links: Links
) -> CommentRead:
    return CommentRead(
        id=comment.id,
        post_id=comment.post_id,
        author=author_read(author, links),
        content=comment.content,
        mentions=[MentionRead.model_validate(user) for user in mentioned],
        created_at=comment.created_at,
    )


async def add_comment(
    *, session: AsyncSession, post: Post, author: Profile, body: CommentCreate, links: Links
) -> CommentRead:
    """Comment on a post (403 between a blocked pair); its author is notified, and whoever
    it mentions is linked and notified."""
    comment = await write_comment(
        session=session, post=post, author_id=author.id, content=body.content
    )
    await session.refresh(comment)
    mentioned = await repository.mentions(session, comment_id=comment.id)
    return comment_read(comment, author, mentioned, links)


async def write_comment(
    *,
    session: AsyncSession,
    post: Post,
    author_id: uuid.UUID,
    content: str,
    uri: str | None = None,
) -> Comment:
    """Store a comment, a local user's or a remote reply (`uri`), with its count,
    notification and mentions; a local user's on a remote post goes to federation."""
    await ensure_not_blocked(session=session, actor_id=author_id, other_id=post.author_id)
    await lock_post(session=session, post_id=post.id)
    comment = await repository.create(
        session, post_id=post.id, author_id=author_id, content=content, uri=uri
    )
    await posts.add_counts(session, post_id=post.id, comment_count=1)
    await notifications.notify_comment(
        session=session,
        recipient_id=post.author_id,
        actor_id=author_id,
        post_id=post.id,
        comment_id=comment.id,
    )
    await mentions.add_comment_mentions(
        session=session,
        post_id=post.id,
        post_author_id=post.author_id,
        comment_id=comment.id,
        comment_author_id=author_id,
        content=content,
    )
    await federation_events.comment_changed(
        session, comment_id=comment.id, author_id=author_id, post_id=post.id, deleted=False
    )
    return comment


async def delete_comment(*, session: AsyncSession, comment: Comment) -> None:
    """Delete a comment (its author's call, checked by the dependency); its notification
    goes with it (foreign key cascade)."""
    # The post row first, as every writer of a post's rows locks it (see lock_post); either
    # row gone means a concurrent delete won, and must not be counted twice.
    deleted = await posts.lock(session, comment.post_id) and await repository.delete_comment(
        session, comment
    )
    if not deleted:
        raise NotFound("Comment not found", code="comment_not_found")
    await posts.add_counts(session, post_id=comment.post_id, comment_count=-1)
    await federation_events.comment_changed(
        session,
        comment_id=comment.id,
        author_id=comment.author_id,
        post_id=comment.post_id,
        deleted=True,
    )


async def list_comments(
    *,
    session: AsyncSession,
    post: Post,
    viewer_id: uuid.UUID | None,
    page: PageRequest[uuid.UUID],
    links: Links,
) -> Page[CommentRead]:
    """A page of a post's comments, oldest first, without those of a blocked pair."""
    rows = await repository.list_for_post(
        session, post_id=post.id, viewer_id=viewer_id, after=page.after, limit=page.limit + 1
    )
    return page.page(
        rows,
        key=lambda row: row[0].id,
        item=lambda row: comment_read(row[0], row[1], row[2], links),
    )
