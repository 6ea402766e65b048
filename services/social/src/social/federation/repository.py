"""Federation SQL: local users by username, remote accounts and objects by their uris, and
posts, comments and follow lists as federation writes them out."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Row, and_, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from common.ids import new_id
from social.models import (
    Comment,
    CommentMention,
    Follow,
    Post,
    PostImage,
    PostMention,
    PostTag,
    Profile,
    username_search_key,
)


async def local_user(session: AsyncSession, username: str) -> Profile | None:
    """The local user of that username, any case (one range of ix_profile_username_search)."""
    return await session.scalar(
        select(Profile).where(
            username_search_key(Profile.username) == username.lower(),
            Profile.actor_uri.is_(None),
        )
    )


async def remote_account(session: AsyncSession, actor_uri: str) -> Profile | None:
    return await session.scalar(select(Profile).where(Profile.actor_uri == actor_uri))


async def upsert_remote_account(
    session: AsyncSession,
    *,
    actor_uri: str,
    username: str,
    bio: str,
    avatar_media_id: uuid.UUID | None,
    is_private: bool,
) -> uuid.UUID:
    fields = {
        "username": username,
        "username_at": datetime.now(UTC),
        "bio": bio,
        "avatar_media_id": avatar_media_id,
        "is_private": is_private,
    }
    profile_id: uuid.UUID | None = await session.scalar(
        insert(Profile)
        .values(id=new_id(), actor_uri=actor_uri, **fields)
        .on_conflict_do_update(index_elements=[Profile.actor_uri], set_=fields)
        .returning(Profile.id)
    )
    assert profile_id is not None  # an upsert always returns its row
    return profile_id


async def post_by_uri(session: AsyncSession, uri: str) -> Post | None:
    return await session.scalar(select(Post).where(Post.uri == uri))


async def comment_by_uri(session: AsyncSession, uri: str) -> Comment | None:
    return await session.scalar(select(Comment).where(Comment.uri == uri))


async def media_of(session: AsyncSession, author_id: uuid.UUID) -> list[uuid.UUID]:
    """Every media the author's posts show."""
    media_ids = await session.scalars(
        select(PostImage.media_id)
        .join(Post, Post.id == PostImage.post_id)
        .where(Post.author_id == author_id)
        .distinct()
    )
    return list(media_ids)


async def image_alts(session: AsyncSession, post_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """(media id, alt) of a post's images, in order."""
    rows = await session.execute(
        select(PostImage.media_id, PostImage.alt)
        .where(PostImage.post_id == post_id)
        .order_by(PostImage.position)
    )
    return [(media_id, alt) for media_id, alt in rows]


async def posts(
    session: AsyncSession,
    *,
    author_id: uuid.UUID | None = None,
    post_id: uuid.UUID | None = None,
    before: uuid.UUID | None = None,
    limit: int = 1,
) -> Sequence[Row[Post, str, bool]]:
    """(post, author's username, author is private): one post, or an author's newest
    first."""
    query = select(Post, Profile.username, Profile.is_private).join(
        Profile, Profile.id == Post.author_id
    )
    if post_id is not None:
        query = query.where(Post.id == post_id)
    if author_id is not None:
        query = query.where(Post.author_id == author_id)
    if before is not None:
        query = query.where(Post.id < before)
    return (await session.execute(query.order_by(Post.id.desc()).limit(limit))).all()


async def comment(
    session: AsyncSession, comment_id: uuid.UUID
) -> Row[Comment, str, str | None, str, bool] | None:
    """A local user's comment with its author's username, its post's uri, and the post's
    author (username, privacy)."""
    author = aliased(Profile)
    post_author = aliased(Profile)
    return (
        await session.execute(
            select(
                Comment,
                author.username,
                Post.uri,
                post_author.username.label("post_author"),
                post_author.is_private,
            )
            .join(author, author.id == Comment.author_id)
            .join(Post, Post.id == Comment.post_id)
            .join(post_author, post_author.id == Post.author_id)
            .where(Comment.id == comment_id, author.actor_uri.is_(None))
        )
    ).one_or_none()


async def images(session: AsyncSession, post_ids: list[uuid.UUID]) -> Sequence[PostImage]:
    return (
        await session.scalars(
            select(PostImage)
            .where(PostImage.post_id.in_(post_ids))
            .order_by(PostImage.post_id, PostImage.position)
        )
    ).all()


async def tags(session: AsyncSession, post_ids: list[uuid.UUID]) -> Sequence[Row[uuid.UUID, str]]:
    return (
        await session.execute(
            select(PostTag.post_id, PostTag.tag)
            .where(PostTag.post_id.in_(post_ids))
            .order_by(PostTag.post_id, PostTag.position)
        )
    ).all()


async def mentions(
    session: AsyncSession,
    *,
    post_ids: Sequence[uuid.UUID] = (),
    comment_id: uuid.UUID | None = None,
) -> Sequence[Row[uuid.UUID, uuid.UUID, str, str | None]]:
    """(post or comment id, user id, username, actor_uri) of the posts' or the comment's
    mentions, in the order written."""
    table: type[PostMention] | type[CommentMention]
    which: Sequence[uuid.UUID]
    if comment_id is not None:
        table, owner, which = CommentMention, CommentMention.comment_id, [comment_id]
    else:
        table, owner, which = PostMention, PostMention.post_id, post_ids
    return (
        await session.execute(
            select(owner, Profile.id, Profile.username, Profile.actor_uri)
            .join(Profile, Profile.id == table.user_id)
            .where(owner.in_(which))
            .order_by(owner, table.position)
        )
    ).all()


async def people(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    side: Literal["followers", "following"],
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[Row[uuid.UUID, str | None, str]]:
    """(follow id, actor_uri, username) of a user's followers or followees, newest first."""
    mine, theirs = (
        (Follow.followee_id, Follow.follower_id)
        if side == "followers"
        else (Follow.follower_id, Follow.followee_id)
    )
    query = (
        select(Follow.id, Profile.actor_uri, Profile.username)
        .join(Profile, Profile.id == theirs)
        .where(and_(mine == user_id, Follow.id < after) if after else mine == user_id)
    )
    return (await session.execute(query.order_by(Follow.id.desc()).limit(limit))).all()


async def local_counts(session: AsyncSession) -> tuple[int, int]:
    """(local users, local posts): what NodeInfo says of this server."""
    users = select(func.count()).select_from(Profile).where(Profile.actor_uri.is_(None))
    local_posts = select(func.count()).select_from(Post).where(Post.uri.is_(None))
    row = (
        await session.execute(select(users.scalar_subquery(), local_posts.scalar_subquery()))
    ).one()
    return int(row[0]), int(row[1])
