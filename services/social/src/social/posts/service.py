"""Post rules: whose images a post may show, who may change or delete it, and how it reads
(`post_fields`, the one place a post's representation is built)."""

import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import on_commit
from common.errors import ApiError, Forbidden, NotFound
from social.clients.media import MediaClient, MediaInfo
from social.federation_events import service as federation_events
from social.links import Links
from social.media_deletions import repository as media_deletions
from social.mentions import service as mentions
from social.models import Post, PostImage
from social.posts import repository
from social.posts.repository import RemoteOrigin
from social.posts.schemas import PostCreate, PostRead, PostUpdate, PostUpload
from social.profiles import repository as profiles
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
    """Publish a post of 1–10 images: new images are streamed to media as the author
    first; existing media must all be the author's own (403 otherwise, before anything is
    written). The images are attached in media before the post commits: a post never shows
    a media media could reclaim as pending, and a post that fails to come to be leaves its
    uploads pending, reclaimed later."""
    if isinstance(body, PostUpload):
        images = [
            await media.upload(
                file=image.file,
                filename=image.filename or "image",
                content_type=image.content_type or "application/octet-stream",
                authorization=authorization,
                description=alt,
            )
            for image, alt in zip(body.images, body.alts, strict=True)
        ]
    else:
        images = [await media.describe(media_id=media_id) for media_id in body.media_ids]
        if any(image.owner_id != author_id for image in images):
            raise Forbidden("That media belongs to someone else", code="media_not_owned")
    post = await publish(
        session=session,
        author_id=author_id,
        images=images,
        caption=body.caption,
        sensitive=body.sensitive,
        spoiler_text=body.spoiler_text,
        media=media,
    )
    await federation_events.post_published(
        session, post_id=post.id, author_id=author_id, edited=False
    )
    return post


async def publish(
    *,
    session: AsyncSession,
    author_id: uuid.UUID,
    images: list[MediaInfo],
    caption: str,
    sensitive: bool,
    spoiler_text: str,
    media: MediaClient,
    remote: RemoteOrigin | None = None,
) -> Post:
    """Store a post of these images (media already holds them), its tags and mentions,
    and tell media a post shows them; a remote post keeps its origin (its uri)."""
    post = await repository.create(
        session,
        author_id=author_id,
        media_id=images[0].id,
        caption=caption,
        sensitive=sensitive,
        spoiler_text=spoiler_text,
        remote=remote,
    )
    await repository.add_images(
        session,
        [
            PostImage(
                post_id=post.id,
                position=position,
                media_id=image.id,
                alt=image.description,
                width=image.width,
                height=image.height,
                blurhash=image.blurhash,
                media_type=image.media_type,
            )
            for position, image in enumerate(images)
        ],
    )
    await profiles.add_posts_count(session, user_id=author_id, delta=1)
    await caption_changed(session=session, post=post)
    for media_id in dict.fromkeys(image.id for image in images):
        await media.attach(media_id=media_id)
    return post


async def update_post(*, session: AsyncSession, post: Post, changes: PostUpdate) -> Post:
    """Change the caption and/or the content warning; the post reads as edited."""
    fields = changes.model_dump(exclude_unset=True, exclude_none=True)
    if not fields:
        return post
    caption_before = post.caption
    await repository.update_fields(session, post, **fields, edited_at=func.now())
    await session.refresh(post)
    if post.caption != caption_before:
        await caption_changed(session=session, post=post)
    await federation_events.post_published(
        session, post_id=post.id, author_id=post.author_id, edited=True
    )
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
    """Delete a post, then each of its media that nothing else still shows (404 if a
    concurrent delete won); a media deletion that fails now is retried by the relay."""
    media_ids = await repository.media_ids_of(session, post.id) or [post.media_id]
    if not await repository.delete_post(session, post):
        raise NotFound("Post not found", code="post_not_found")
    await profiles.add_posts_count(session, user_id=post.author_id, delta=-1)
    await federation_events.post_deleted(session, post_id=post.id, author_id=post.author_id)
    for media_id in dict.fromkeys(media_ids):
        await _delete_media_after_commit(
            session=session, media=media, media_id=media_id, post=post, retry_after=retry_after
        )


async def _delete_media_after_commit(
    *,
    session: AsyncSession,
    media: MediaClient,
    media_id: uuid.UUID,
    post: Post,
    retry_after: timedelta,
) -> None:
    if await media_deletions.media_in_use(session, media_id):
        return
    # The outbox row commits with the delete: whatever happens to media or to this
    # process after the commit, the relay finds it. `retry_after` keeps the relay off it
    # while this request makes the first attempt itself.
    await media_deletions.add(
        session, media_id=media_id, owner_id=post.author_id, delay=retry_after
    )

    async def delete_media_now() -> None:
        # After the commit: media first and a failed commit after it would leave a post
        # without its image.
        try:
            # As the service: media asks social whether a post shows an image before an
            # owner's delete, and this post, the last to show it, is gone.
            await media.delete_unused(media_id=media_id)
        except ApiError as exc:
            logger.warning(
                "post deleted, its media left to the deletion relay (%s)",
                exc.code,
                extra={"post_id": str(post.id), "media_id": str(media_id)},
            )
            return
        await media_deletions.remove(session, media_id=media_id)

    on_commit(session, delete_media_now)


async def media_in_use(*, session: AsyncSession, media_id: uuid.UUID) -> bool:
    """Whether a post or an avatar shows this media."""
    return await media_deletions.media_in_use(session, media_id)


async def set_alt(*, session: AsyncSession, media_id: uuid.UUID, alt: str) -> None:
    """Give every post image of this media its new alt text (the posts read as edited
    to federation)."""
    for post_id, author_id in await repository.set_alt(session, media_id=media_id, alt=alt):
        await federation_events.post_published(
            session, post_id=post_id, author_id=author_id, edited=True
        )


async def lock_post(*, session: AsyncSession, post_id: uuid.UUID) -> None:
    """Lock the post row before touching its reactions or comments (404 if it is gone).

    A post delete locks the post row and then, by cascade, its reactions and comments; a
    reaction or comment change that locked its own row first and the post row second could
    deadlock with it. Post first, everywhere, makes the order one.
    """
    if not await repository.lock(session, post_id):
        raise NotFound("Post not found", code="post_not_found")


def image_fields(image: Mapping[str, Any], links: Links) -> dict[str, Any]:
    media_id = image["media_id"]
    return {
        "media_id": media_id,
        "url": links.image(media_id),
        "thumbnail_url": links.thumbnail(media_id),
        "width": image["width"],
        "height": image["height"],
        "blurhash": image["blurhash"],
        "alt": image["alt"],
    }


def post_fields(row: Mapping[Any, Any], links: Links) -> dict[str, Any]:
    """THE post representation (PostRead's fields, ready for JSON): every route and feed
    that shows a post builds it here, from a `repository.viewed()` row (VIEW_COLUMNS), as
    read on the read path (common.reads) or through the unit of work."""
    return {
        "id": row["id"],
        "author": {
            "id": row["author_id"],
            "username": row["author_username"],
            "avatar_url": links.avatar(row["author_avatar_media_id"]),
        },
        "caption": row["caption"],
        # The first image's links, as before albums.
        "image_url": links.image(row["media_id"]),
        "thumbnail_url": links.thumbnail(row["media_id"]),
        "images": [image_fields(image, links) for image in row["images"] or ()],
        "sensitive": row["sensitive"],
        "spoiler_text": row["spoiler_text"],
        "created_at": row["created_at"],
        "edited_at": row["edited_at"],
        "like_count": row["like_count"],
        "dislike_count": row["dislike_count"],
        "comment_count": row["comment_count"],
        "viewer_reaction": row["viewer_reaction"],
        "tags": row["tags"],
        "mentions": row["mentions"],
        "bookmarked": row["bookmarked"],
    }


async def view_post(
    *, session: AsyncSession, post: Post, viewer_id: uuid.UUID | None, links: Links
) -> PostRead:
    """One post as the viewer sees it."""
    (row,) = await repository.view(
        session, repository.ONE_POST_QUERY, viewer_id=viewer_id, post_id=post.id
    )
    return PostRead.model_validate(post_fields(row._mapping, links))
