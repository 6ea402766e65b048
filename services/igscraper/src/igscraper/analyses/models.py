"""An analysis job and the Instagram users it collected."""

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column

from common.ids import UserId, new_id
from igscraper.database import Base


class AnalysisStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"


# Waiting for a slot or holding one: at most one per Instagram account.
ACTIVE = (AnalysisStatus.queued, AnalysisStatus.running)


def _status_in(*statuses: AnalysisStatus) -> str:
    """A partial index's predicate, written from the enum (as the migration spells it)."""
    if len(statuses) == 1:
        return f"status = '{statuses[0].value}'"
    return "status IN ({})".format(", ".join(f"'{s.value}'" for s in statuses))


class Phase(enum.StrEnum):
    """The worker walks these in order; each step advances within or past one."""

    resolve = "resolve"
    followers = "followers"
    following = "following"
    finalize = "finalize"


class Listed(enum.StrEnum):
    """Which of the target's lists a user was found on."""

    followers = "followers"
    following = "following"


class Group(enum.StrEnum):
    """What an analysis tells: who is on which of the target's lists."""

    mutuals = "mutuals"
    not_following_back = "not_following_back"
    fans = "fans"


class Analysis(Base):
    __tablename__ = "analysis"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    owner_id: Mapped[UserId]
    # The session's own account: pacing and rate limits are per viewer.
    viewer_ig_id: Mapped[str] = mapped_column(String(32))
    target_ig_id: Mapped[str | None] = mapped_column(String(32))
    target_username: Mapped[str | None] = mapped_column(String(64))
    # The X-Request-ID of the POST that asked for it: the worker logs its steps under it.
    request_id: Mapped[str | None] = mapped_column(String(128))
    # VARCHAR, as before: a new status needs no ALTER TYPE.
    status: Mapped[AnalysisStatus] = mapped_column(
        Enum(AnalysisStatus, native_enum=False, length=16), default=AnalysisStatus.queued
    )
    phase: Mapped[Phase] = mapped_column(
        Enum(Phase, native_enum=False, length=16), default=Phase.resolve
    )
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
            postgresql_where=text(_status_in(*ACTIVE)),
        ),
        Index(
            "uq_analysis_active_target_username",
            "target_username",
            unique=True,
            postgresql_where=text(_status_in(*ACTIVE)),
        ),
        Index("ix_analysis_owner_id_id", "owner_id", "id"),
        Index("ix_analysis_status_id", "status", "id"),
        Index(
            "ix_analysis_owner_target_finished",
            "owner_id",
            "target_ig_id",
            "finished_at",
            postgresql_where=text(_status_in(AnalysisStatus.completed)),
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

    @classmethod
    def listed_on(cls, listed: Listed) -> InstrumentedAttribute[bool]:
        """The flag that says a user is on that list."""
        return cls.follows_you if listed is Listed.followers else cls.you_follow

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
