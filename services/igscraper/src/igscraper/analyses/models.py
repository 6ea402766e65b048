"""An analysis job and the Instagram users it collected."""

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from common.ids import new_id
from igscraper.database import Base

QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED = (
    "queued",
    "running",
    "completed",
    "failed",
    "cancelled",
)
ACTIVE = (QUEUED, RUNNING)
ACTIVE_SQL = text("status IN ('queued', 'running')")

# The worker walks these phases in order; each step advances within or past one.
RESOLVE, FOLLOWERS, FOLLOWING, FINALIZE = "resolve", "followers", "following", "finalize"

# Which list a user was found on: the column that says so.
FOLLOWER, FOLLOWED = "follows_you", "you_follow"


class Analysis(Base):
    __tablename__ = "analysis"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(String(64))
    # The session's own account: pacing and rate limits are per viewer.
    viewer_ig_id: Mapped[str] = mapped_column(String(32))
    target_ig_id: Mapped[str | None] = mapped_column(String(32))
    target_username: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    phase: Mapped[str] = mapped_column(String(16), default=RESOLVE)
    # Number of the next ARQ step; a step whose number is behind this is a stale re-run.
    step: Mapped[int] = mapped_column(Integer, default=0)
    followers_cursor: Mapped[str | None] = mapped_column(Text)
    following_cursor: Mapped[str | None] = mapped_column(Text)
    followers_total: Mapped[int | None] = mapped_column(Integer)
    following_total: Mapped[int | None] = mapped_column(Integer)
    followers_fetched: Mapped[int] = mapped_column(Integer, default=0)
    following_fetched: Mapped[int] = mapped_column(Integer, default=0)
    # Consecutive 429s; reset by any page that goes through.
    rate_limit_strikes: Mapped[int] = mapped_column(Integer, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    mutual_count: Mapped[int | None] = mapped_column(Integer)
    not_following_back_count: Mapped[int | None] = mapped_column(Integer)
    fans_count: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    # Server defaults come back with the INSERT: no lazy load in async code.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    __table_args__ = (
        # One active analysis per Instagram account, enforced by Postgres, not by a read
        # before the insert. An account is known by id (own account) or by username.
        Index(
            "uq_analysis_active_target_ig_id",
            "target_ig_id",
            unique=True,
            postgresql_where=ACTIVE_SQL,
        ),
        Index(
            "uq_analysis_active_target_username",
            "target_username",
            unique=True,
            postgresql_where=ACTIVE_SQL,
        ),
        Index("ix_analysis_owner_id_id", "owner_id", "id"),
        Index("ix_analysis_status_id", "status", "id"),
        Index(
            "ix_analysis_owner_target_finished",
            "owner_id",
            "target_ig_id",
            "finished_at",
            postgresql_where=text("status = 'completed'"),
        ),
        Index("ix_analysis_finished_at", "finished_at"),
    )


class AnalysisUser(Base):
    """One Instagram account as one analysis saw it: on the followers list, the following
    list, or both. Flags rather than a row per list: each group is then one index range."""

    __tablename__ = "analysis_user"

    analysis_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("analysis.id", ondelete="CASCADE"), primary_key=True
    )
    ig_user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(Text, default="")
    is_private: Mapped[bool] = mapped_column(Boolean, default=False)
    is_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    profile_pic_url: Mapped[str | None] = mapped_column(Text)
    # On the target's followers list / on the target's following list.
    follows_you: Mapped[bool] = mapped_column(Boolean, default=False)
    you_follow: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        # A group is (follows_you, you_follow) fixed, paged by (username, id).
        Index(
            "ix_analysis_user_group",
            "analysis_id",
            "follows_you",
            "you_follow",
            "username",
            "ig_user_id",
        ),
    )
