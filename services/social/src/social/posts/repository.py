"""Post SQL, and how any set of posts reads for a viewer."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Uuid,
    and_,
    bindparam,
    delete,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from social.clients.media import MediaInfo
from social.models import (
    Post,
    PostImage,
    Profile,
    Reaction,
    bookmarked_by,
    images_of,
    mentions_of,
    tags_of,
)
from social.models import (
    may_see as may_see_author,
)

VIEWER = bindparam("viewer", type_=Uuid)

# Columns, not entities: a feed page is read-only and ORM identity tracking would cost
# more than the query itself.
VIEW_COLUMNS = (
    Post.id,
    Post.caption,
    Post.media_id,
    Post.created_at,
    Post.like_count,
    Post.dislike_count,
    Post.comment_count,
    Post.sensitive,
    Post.spoiler_text,
    Post.edited_at,
    Post.author_id,
    Profile.username.label("author_username"),
    Profile.avatar_media_id.label("author_avatar_media_id"),
    # The rest of the author, for the Mastodon client API's Status.account (social.mastodon):
    # the profile row is joined already, so these cost nothing more.
    Profile.is_private.label("author_is_private"),
    Profile.created_at.label("author_created_at"),
    Profile.posts_count.label("author_posts_count"),
    Profile.followers_count.label("author_followers_count"),
    Profile.following_count.label("author_following_count"),
    Reaction.kind.label("viewer_reaction"),
    # Correlated subqueries: a few index probes per post of the page, none for the rest.
    images_of(Post.id).label("images"),
    tags_of(Post.id).label("tags"),
    mentions_of(Post.id).label("mentions"),
    bookmarked_by(VIEWER, Post.id).label("bookmarked"),
)


def viewed(which: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    """The posts `which` picks, with author and the viewer's reaction, newest first: a feed
    page is one statement, ids and viewer fields together."""
    return (
        select(*VIEW_COLUMNS)
        .join(Profile, Profile.id == Post.author_id)
        .outerjoin(Reaction, and_(Reaction.post_id == Post.id, Reaction.user_id == VIEWER))
        .where(which)
        .order_by(Post.id.desc())
    )


ONE_POST_QUERY = viewed(Post.id == bindparam("post_id", type_=Uuid))


async def view(
    session: AsyncSession,
    statement: Select[*tuple[Any, ...]],
    *,
    viewer_id: uuid.UUID | None,
    **params: object,
) -> Sequence[Row[*tuple[Any, ...]]]:
    """Run a `viewed()` statement for the viewer (None: anonymous)."""
    return (await session.execute(statement, {"viewer": viewer_id, **params})).all()


@dataclass(frozen=True)
class RemoteOrigin:
    """Where a remote post comes from: its Note's id and page, and when it was published
    (a local post is made now)."""

    uri: str
    url: str | None
    published: datetime


async def create(
    session: AsyncSession,
    *,
    author_id: uuid.UUID,
    media_id: uuid.UUID,
    caption: str,
    sensitive: bool = False,
    spoiler_text: str = "",
    remote: RemoteOrigin | None = None,
) -> Post:
    post = Post(
        author_id=author_id,
        media_id=media_id,
        caption=caption,
        sensitive=sensitive,
        spoiler_text=spoiler_text,
    )
    if remote is not None:
        post.uri, post.url, post.created_at = remote.uri, remote.url, remote.published
    session.add(post)
    await session.flush()
    return post


async def add_images(session: AsyncSession, images: Sequence[PostImage]) -> None:
    session.add_all(images)
    await session.flush()


async def media_ids_of(session: AsyncSession, post_id: uuid.UUID) -> list[uuid.UUID]:
    """The media a post shows, in order (the first image when it predates albums)."""
    ids = await session.scalars(
        select(PostImage.media_id).where(PostImage.post_id == post_id).order_by(PostImage.position)
    )
    return list(ids)


async def images_to_describe(
    session: AsyncSession, *, after: tuple[uuid.UUID, int] | None, limit: int
) -> list[tuple[uuid.UUID, int, uuid.UUID]]:
    """(post id, position, media id) of images still without a size or a blurhash, after
    `after` in key order, locked (SKIP LOCKED: replicas share the work)."""
    query = select(PostImage.post_id, PostImage.position, PostImage.media_id).where(
        or_(PostImage.width.is_(None), PostImage.blurhash.is_(None))
    )
    if after is not None:
        query = query.where(tuple_(PostImage.post_id, PostImage.position) > tuple_(*after))
    rows = await session.execute(
        query.order_by(PostImage.post_id, PostImage.position)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [(post_id, position, media_id) for post_id, position, media_id in rows]


async def describe_images(session: AsyncSession, described: dict[uuid.UUID, MediaInfo]) -> None:
    """Give every image of these media what media said of it (`MediaInfo`s by media id)."""
    for media_id, info in described.items():
        await session.execute(
            update(PostImage)
            .where(PostImage.media_id == media_id)
            .values(width=info.width, height=info.height, blurhash=info.blurhash)
        )


async def set_alt(
    session: AsyncSession, *, media_id: uuid.UUID, alt: str
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(post id, author id) of the posts whose image took the alt text."""
    changed = await session.execute(
        update(PostImage)
        .where(PostImage.media_id == media_id)
        .values(alt=alt)
        .returning(PostImage.post_id)
    )
    post_ids = [post_id for (post_id,) in changed]
    authors = await session.execute(select(Post.id, Post.author_id).where(Post.id.in_(post_ids)))
    return [(post_id, author_id) for post_id, author_id in authors]


async def may_see(session: AsyncSession, viewer_id: uuid.UUID | None, post: Post) -> bool:
    """Whether the viewer may see the post: not a private account's, unless the viewer
    wrote it or follows its author."""
    if viewer_id == post.author_id:
        return True
    return bool(await session.scalar(select(may_see_author(viewer_id, post.author_id))))


async def update_fields(session: AsyncSession, post: Post, **fields: object) -> Post:
    for name, value in fields.items():
        setattr(post, name, value)
    await session.flush()
    return post


async def get(session: AsyncSession, post_id: uuid.UUID) -> Post | None:
    return await session.get(Post, post_id)


async def lock(session: AsyncSession, post_id: uuid.UUID) -> bool:
    """Take the post's row lock (the one its counter updates need); False if it is gone."""
    locked = await session.scalar(
        select(Post.id).where(Post.id == post_id).with_for_update(key_share=True)
    )
    return locked is not None


async def delete_post(session: AsyncSession, post: Post) -> bool:
    """False if a concurrent request deleted it first. Reactions and comments go with it
    (ON DELETE CASCADE), locked after the post row."""
    deleted = await session.scalar(delete(Post).where(Post.id == post.id).returning(Post.id))
    return deleted is not None


async def add_counts(session: AsyncSession, *, post_id: uuid.UUID, **deltas: int) -> None:
    """Relative counter update (`like_count=+1`); the row lock it takes serialises writers."""
    values = {name: getattr(Post, name) + delta for name, delta in deltas.items() if delta}
    if values:
        await session.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(values)
            .execution_options(synchronize_session=False)
        )
