"""A comment on a post: a local user's, or a remote reply federation brought (`uri` set)."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from common.ids import new_id
from social.database import Base

CONTENT_MAX_LENGTH = 2200


class Comment(Base):
    __tablename__ = "comment"
    __table_args__ = (
        CheckConstraint(
            f"char_length(content) BETWEEN 1 AND {CONTENT_MAX_LENGTH}", name="content_length"
        ),
        # A post's comments in order, paged on the id.
        Index("ix_comment_post_id_id", "post_id", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    post_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profile.id"))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # A remote reply's ActivityPub id; NULL for a local comment.
    uri: Mapped[str | None] = mapped_column(Text, unique=True)
