"""Comments as Mastodon's replies. A post's comments are its thread: each is a Status in
reply to the post (`in_reply_to_id`), as visible as the post, readable by its own id
(`GET /api/v1/statuses/{id}`), listed oldest first as the post's `descendants`, deleted by
its author, and written by `POST /api/v1/statuses` with `in_reply_to_id`. The platform's
comments are flat, so a reply to a comment is a comment on its post.

Making comments statuses (rather than leaving threads empty) is what lets a Mastodon app
show and write the conversation under a photo: the same rows the web app shows, through
the same rules (comments.service: blocks, notifications, mentions, the post's count)."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from social.comments import repository as comments_repository
from social.comments import service as comments
from social.comments.schemas import CommentCreate
from social.links import Links
from social.mastodon import repository
from social.mastodon.dependencies import Thread
from social.mastodon.service import account, view_status
from social.mastodon.statuses import reply_status
from social.models import Comment, Post, Profile
from social.profiles import repository as profiles_repository

# Mastodon's own bounds on a thread (StatusesController): CONTEXT_LIMIT for a signed-in
# caller, DESCENDANTS_LIMIT for an anonymous one.
CONTEXT_LIMIT = 4096
ANONYMOUS_DESCENDANTS = 60


async def _profile(session: AsyncSession, user_id: uuid.UUID) -> Profile:
    profile = await profiles_repository.get(session, user_id)
    assert profile is not None  # comments and posts go with their author's profile
    return profile


async def view_reply(
    *, session: AsyncSession, comment: Comment, post: Post, links: Links
) -> dict[str, Any]:
    """One comment as a Status."""
    post_author = await _profile(session, post.author_id)
    return reply_status(
        comment=comment,
        account=account(await _profile(session, comment.author_id), links).model_dump(),
        mentioned=await comments_repository.mentions(session, comment_id=comment.id),
        post=post,
        private=post_author.is_private,
        links=links,
    )


async def view(
    *, session: AsyncSession, thread: Thread, viewer_id: uuid.UUID | None, links: Links
) -> dict[str, Any]:
    """The status a thread names: its comment, or its post."""
    if thread.comment is not None:
        return await view_reply(
            session=session, comment=thread.comment, post=thread.post, links=links
        )
    return await view_status(session=session, post=thread.post, viewer_id=viewer_id, links=links)


async def context(
    *, session: AsyncSession, thread: Thread, viewer_id: uuid.UUID | None, links: Links
) -> dict[str, list[dict[str, Any]]]:
    """`GET /api/v1/statuses/{id}/context`: a post's comments, oldest first (less those of
    whoever the viewer blocks, is blocked by or mutes); a comment's post is its ancestor."""
    if thread.comment is not None:
        post = await view_status(
            session=session, post=thread.post, viewer_id=viewer_id, links=links
        )
        return {"ancestors": [post], "descendants": []}
    rows = await repository.replies(
        session,
        post_id=thread.post.id,
        viewer_id=viewer_id,
        limit=ANONYMOUS_DESCENDANTS if viewer_id is None else CONTEXT_LIMIT,
    )
    private = (await _profile(session, thread.post.author_id)).is_private
    return {
        "ancestors": [],
        "descendants": [
            reply_status(
                comment=comment,
                account=account(author, links).model_dump(),
                mentioned=mentioned,
                post=thread.post,
                private=private,
                links=links,
            )
            for comment, author, mentioned in rows
        ],
    }


async def reply(
    *, session: AsyncSession, author_id: uuid.UUID, post: Post, content: str, links: Links
) -> dict[str, Any]:
    """Comment on the post (comments.service's rules: 403 between a blocked pair, the post's
    author notified, mentions linked); the answer is the comment as a Status."""
    created = await comments.add_comment(
        session=session,
        post=post,
        author=await _profile(session, author_id),
        body=CommentCreate(content=content),
        links=links,
    )
    comment = await comments_repository.get(session, created.id)
    assert comment is not None  # just written, in this transaction
    return await view_reply(session=session, comment=comment, post=post, links=links)


async def delete(
    *, session: AsyncSession, comment: Comment, post: Post, links: Links
) -> dict[str, Any]:
    """Delete the caller's comment; the answer is it as it was, with its `text`."""
    shown = await view_reply(session=session, comment=comment, post=post, links=links)
    await comments.delete_comment(session=session, comment=comment)
    shown["text"] = comment.content
    return shown
