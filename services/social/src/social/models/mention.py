"""Mentions: the users a post's caption names with `@username`, kept in step with it, and
those a comment names, written once (a comment is never edited)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, SmallInteger, func, literal_column, select
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement, SQLCoreOperations

from social.database import Base
from social.models.profile import Profile


class PostMention(Base):
    __tablename__ = "post_mention"
    __table_args__ = (
        # A deleted account's mentions go with its profile (the cascade looks them up).
        Index("ix_post_mention_user_id", "user_id"),
    )

    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("profile.id", ondelete="CASCADE"), primary_key=True
    )
    # Where it comes in the caption: mentions read in the order they were written.
    position: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CommentMention(Base):
    __tablename__ = "comment_mention"
    __table_args__ = (
        # A deleted account's mentions go with its profile (the cascade looks them up).
        Index("ix_comment_mention_user_id", "user_id"),
    )

    comment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("profile.id", ondelete="CASCADE"), primary_key=True
    )
    # Where it comes in the comment: mentions read in the order they were written.
    position: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def _mentioned_users(
    table: type[PostMention] | type[CommentMention], where: ColumnElement[bool]
) -> ColumnElement[Any]:
    user = func.jsonb_build_object("id", Profile.id, "username", Profile.username)
    return func.coalesce(
        select(func.jsonb_agg(aggregate_order_by(user, table.position)))
        .join(Profile, Profile.id == table.user_id)
        .where(where)
        # Its own profile rows, not the author's of the statement around it.
        .correlate_except(table, Profile)
        .scalar_subquery(),
        literal_column("'[]'::jsonb"),
        type_=JSONB,
    )


def mentions_of(post_id: SQLCoreOperations[uuid.UUID]) -> ColumnElement[Any]:
    """A post's mentioned users as `[{id, username}]` in caption order, as one column of a
    post page's statement (the username as it is now, not as it was typed)."""
    return _mentioned_users(PostMention, PostMention.post_id == post_id)


def comment_mentions_of(
    comment_id: SQLCoreOperations[uuid.UUID] | uuid.UUID,
) -> ColumnElement[Any]:
    """A comment's mentioned users as `[{id, username}]` in the order written, as one column
    of a statement, like `mentions_of`."""
    return _mentioned_users(CommentMention, CommentMention.comment_id == comment_id)
