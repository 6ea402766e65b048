"""What the analyses API accepts and returns (docs/api.md has them as the gateway serves them)."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field, SecretStr

from igscraper.analyses.models import AnalysisStatus
from igscraper.credentials.service import CSRF_TOKEN_PATTERN, SESSION_ID_PATTERN


class AnalysisCreate(BaseModel):
    # SecretStr: a validation error or a stray repr never shows the cookie. SecretStr takes
    # no pattern, so the cookies' shapes are documented here and checked by
    # credentials.parse_credentials (422 invalid_session_id / invalid_csrf_token).
    session_id: SecretStr = Field(
        min_length=1, max_length=1024, json_schema_extra={"pattern": SESSION_ID_PATTERN}
    )
    csrf_token: SecretStr | None = Field(
        default=None, max_length=256, json_schema_extra={"pattern": CSRF_TOKEN_PATTERN}
    )
    # None = the session's own account.
    username: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._]{1,30}$")


class AnalysisSubmitted(BaseModel):
    id: uuid.UUID
    status: AnalysisStatus
    position_in_queue: int | None
    estimated_wait_seconds: int | None


class Progress(BaseModel):
    followers_fetched: int
    followers_total: int | None
    following_fetched: int
    following_total: int | None


class AnalysisError(BaseModel):
    code: str
    message: str


class Target(BaseModel):
    id: str | None
    username: str | None


class Stats(BaseModel):
    followers_count: int
    following_count: int
    mutual_count: int
    not_following_back_count: int
    fans_count: int


class AnalysisResult(BaseModel):
    target: Target
    stats: Stats
    # False when Instagram showed only part of a list: never a baseline for changes.
    complete: bool


class AnalysisRead(BaseModel):
    id: uuid.UUID
    status: AnalysisStatus
    target: Target
    progress: Progress
    position_in_queue: int | None
    estimated_wait_seconds: int | None
    error: AnalysisError | None
    result: AnalysisResult | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class IgUserRead(BaseModel):
    id: str
    username: str
    full_name: str
    pfp_url: str
    is_private: bool
    is_verified: bool


class AccountChanges(BaseModel):
    analysis_id: uuid.UUID
    # None: this is the account's first complete analysis, so nothing to compare yet.
    previous_analysis_id: uuid.UUID | None
    new_followers: list[IgUserRead]
    lost_followers: list[IgUserRead]
    new_following: list[IgUserRead]
    lost_following: list[IgUserRead]


class QueueRead(BaseModel):
    active: int
    max_concurrent: int
    queued: int
