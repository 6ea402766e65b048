"""Account deletion SQL: everything of one user, with the counters it touched on other
users' posts and profiles moved in the same statements that find them."""

import uuid

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from social.models import Comment, Follow, MediaDeletion, Post, Profile, Reaction, ReactionKind


async def _lock_posts(session: AsyncSession, post_ids: Select[uuid.UUID]) -> None:
    # Post rows first and in id order, as every writer of a post's rows locks them.
    await session.execute(
        select(Post.id).where(Post.id.in_(post_ids)).order_by(Post.id).with_for_update()
    )


async def delete_reactions(session: AsyncSession, user_id: uuid.UUID) -> None:
    """The user's reactions, each post's like and dislike counts lowered by them."""
    await _lock_posts(session, select(Reaction.post_id).where(Reaction.user_id == user_id))
    per_post = (
        select(
            Reaction.post_id,
            func.count().filter(Reaction.kind == ReactionKind.like).label("likes"),
            func.count().filter(Reaction.kind == ReactionKind.dislike).label("dislikes"),
        )
        .where(Reaction.user_id == user_id)
        .group_by(Reaction.post_id)
        .subquery()
    )
    await session.execute(
        update(Post)
        .where(Post.id == per_post.c.post_id)
        .values(
            like_count=Post.like_count - per_post.c.likes,
            dislike_count=Post.dislike_count - per_post.c.dislikes,
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(Reaction).where(Reaction.user_id == user_id))


async def delete_comments(session: AsyncSession, user_id: uuid.UUID) -> None:
    """The user's comments, each post's comment count lowered by them."""
    await _lock_posts(session, select(Comment.post_id).where(Comment.author_id == user_id))
    per_post = (
        select(Comment.post_id, func.count().label("comments"))
        .where(Comment.author_id == user_id)
        .group_by(Comment.post_id)
        .subquery()
    )
    await session.execute(
        update(Post)
        .where(Post.id == per_post.c.post_id)
        .values(comment_count=Post.comment_count - per_post.c.comments)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(Comment).where(Comment.author_id == user_id))


async def delete_follows(session: AsyncSession, user_id: uuid.UUID) -> None:
    """The user's follows both ways, the other side's counters lowered."""
    followees = select(Follow.followee_id).where(Follow.follower_id == user_id)
    followers = select(Follow.follower_id).where(Follow.followee_id == user_id)
    await session.execute(
        update(Profile)
        .where(Profile.id.in_(followees))
        .values(followers_count=Profile.followers_count - 1)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Profile)
        .where(Profile.id.in_(followers))
        .values(following_count=Profile.following_count - 1)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(Follow).where(or_(Follow.follower_id == user_id, Follow.followee_id == user_id))
    )


async def delete_posts(session: AsyncSession, user_id: uuid.UUID) -> None:
    """The user's posts (others' reactions, comments and notifications on them cascade),
    and the media deletions queued for them: media deletes all of the user's media."""
    await session.execute(delete(Post).where(Post.author_id == user_id))
    await session.execute(delete(MediaDeletion).where(MediaDeletion.owner_id == user_id))


async def delete_profile(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(delete(Profile).where(Profile.id == user_id))
