"""Post rules: whose image a post may show, who may delete it, and how it reads."""

import uuid

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import Forbidden
from social.clients.media import MediaClient
from social.links import Links
from social.posts import repository
from social.posts.models import Post
from social.posts.schemas import PostCreate, PostRead, PostUpload
from social.profiles import repository as profiles
from social.profiles.schemas import AuthorRead


async def create_post(
    session: AsyncSession,
    *,
    author_id: uuid.UUID,
    body: PostCreate | PostUpload,
    media: MediaClient,
    authorization: str,
) -> Post:
    """Publish a post: a new image is streamed to media as the author first; an existing
    media must be the author's own (403 otherwise)."""
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
    return post


async def delete_post(
    session: AsyncSession, *, post: Post, media: MediaClient, authorization: str
) -> None:
    """Delete a post, then its media unless something else still shows it.

    Media is called before our commit: if it fails, the request fails and the post stays,
    so the user can retry; nothing is left half-deleted on our side.
    """
    await repository.delete_post(session, post)
    await profiles.add_posts_count(session, user_id=post.author_id, delta=-1)
    if not await repository.media_in_use(session, post.media_id):
        await media.delete(media_id=post.media_id, authorization=authorization)


def post_read(row: Row, links: Links) -> PostRead:
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
    )


async def view_post(
    session: AsyncSession, *, post: Post, viewer_id: uuid.UUID | None, links: Links
) -> PostRead:
    """One post as the viewer sees it."""
    (row,) = await repository.view(
        session, repository.ONE_POST_QUERY, viewer_id=viewer_id, post_id=post.id
    )
    return post_read(row, links)
