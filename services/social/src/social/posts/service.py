"""Post rules: whose image a post may show, who may delete it, and how it reads."""

import logging
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import on_commit
from common.errors import ApiError, Forbidden, NotFound
from social.clients.media import MediaClient
from social.links import Links
from social.media_deletions import repository as media_deletions
from social.mentions import service as mentions
from social.models import Post
from social.posts import repository
from social.posts.schemas import PostCreate, PostRead, PostUpload
from social.profiles import repository as profiles
from social.profiles.schemas import AuthorRead
from social.tags import service as tags

logger = logging.getLogger(__name__)


async def create_post(
    *,
    session: AsyncSession,
    author_id: uuid.UUID,
    body: PostCreate | PostUpload,
    media: MediaClient,
    authorization: str,
) -> Post:
    """Publish a post: a new image is streamed to media as the author first; an existing
    media must be the author's own (403 otherwise). The image is attached in media before
    the post commits: a post never shows a media media could reclaim as pending, and a
    post that fails to come to be leaves its upload pending, reclaimed later."""
    if isinstance(body, PostUpload):
        media_id = await media.upload(
            file=body.image.file,
            filename=body.image.filename or "image",
            content_type=body.image.content_type or "application/octet-stream",
            authorization=authorization,
        )
    else:
        media_id = body.media_id
        owner = await media.owner_of(media_id=media_id, authorization=authorization)
        if owner != author_id:
            raise Forbidden("That media belongs to someone else", code="media_not_owned")
    post = await repository.create(
        session, author_id=author_id, media_id=media_id, caption=body.caption
    )
    await profiles.add_posts_count(session, user_id=author_id, delta=1)
    await caption_changed(session=session, post=post)
    await media.attach(media_id=media_id)
    return post


async def caption_changed(*, session: AsyncSession, post: Post) -> None:
    """Re-read what the caption links: its hashtags, and the users it mentions (newly
    named ones are notified). Called on posting and after every caption edit."""
    await tags.sync_post_tags(session=session, post_id=post.id, caption=post.caption)
    await mentions.sync_post_mentions(
        session=session, post_id=post.id, author_id=post.author_id, caption=post.caption
    )


async def delete_post(
    *,
    session: AsyncSession,
    post: Post,
    media: MediaClient,
    retry_after: timedelta,
) -> None:
    """Delete a post, then its media unless something else still shows it (404 if a
    concurrent delete won); a media deletion that fails now is retried by the relay."""
    if not await repository.delete_post(session, post):
        raise NotFound("Post not found", code="post_not_found")
    await profiles.add_posts_count(session, user_id=post.author_id, delta=-1)
    if await media_deletions.media_in_use(session, post.media_id):
        return
    # The outbox row commits with the delete: whatever happens to media or to this
    # process after the commit, the relay finds it. `retry_after` keeps the relay off it
    # while this request makes the first attempt itself.
    await media_deletions.add(
        session, media_id=post.media_id, owner_id=post.author_id, delay=retry_after
    )

    async def delete_media_now() -> None:
        # After the commit: media first and a failed commit after it would leave a post
        # without its image.
        try:
            # As the service: media asks social whether a post shows an image before an
            # owner's delete, and this post, the last to show it, is gone.
            await media.delete_unused(media_id=post.media_id)
        except ApiError as exc:
            logger.warning(
                "post deleted, its media left to the deletion relay (%s)",
                exc.code,
                extra={"post_id": str(post.id), "media_id": str(post.media_id)},
            )
            return
        await media_deletions.remove(session, media_id=post.media_id)

    on_commit(session, delete_media_now)


async def media_in_use(*, session: AsyncSession, media_id: uuid.UUID) -> bool:
    """Whether a post or an avatar shows this media."""
    return await media_deletions.media_in_use(session, media_id)


async def lock_post(*, session: AsyncSession, post_id: uuid.UUID) -> None:
    """Lock the post row before touching its reactions or comments (404 if it is gone).

    A post delete locks the post row and then, by cascade, its reactions and comments; a
    reaction or comment change that locked its own row first and the post row second could
    deadlock with it. Post first, everywhere, makes the order one.
    """
    if not await repository.lock(session, post_id):
        raise NotFound("Post not found", code="post_not_found")


def post_read(row: Row[*tuple[Any, ...]], links: Links) -> PostRead:
    return PostRead(
        id=row.id,
        author=AuthorRead(
            id=row.author_id,
            username=row.author_username,
            avatar_url=links.avatar(row.author_avatar_media_id),
        ),
        caption=row.caption,
        image_url=links.image(row.media_id),
        thumbnail_url=links.thumbnail(row.media_id),
        created_at=row.created_at,
        like_count=row.like_count,
        dislike_count=row.dislike_count,
        comment_count=row.comment_count,
        viewer_reaction=row.viewer_reaction,
        tags=row.tags,
        mentions=row.mentions,
        bookmarked=row.bookmarked,
    )


async def view_post(
    *, session: AsyncSession, post: Post, viewer_id: uuid.UUID | None, links: Links
) -> PostRead:
    """One post as the viewer sees it."""
    (row,) = await repository.view(
        session, repository.ONE_POST_QUERY, viewer_id=viewer_id, post_id=post.id
    )
    return post_read(row, links)
