import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr

from auth.users.schemas import UserRead
from common.openapi import ErrorDetail
from common.text import NUL_FREE


class LoginRequest(BaseModel):
    username: Annotated[
        str, Field(min_length=1, max_length=320, description="username or email"), NUL_FREE
    ]
    password: SecretStr = Field(min_length=1, max_length=128)


class RefreshRequest(BaseModel):
    refresh_token: SecretStr


class TokenRead(BaseModel):
    user: UserRead
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class LoginRefused(BaseModel):
    """A refused sign-in. `mfa_required` (the password was right, TOTP is on) carries the
    `mfa_token` that POST /auth/login/mfa spends with a code, valid for 5 minutes."""

    error: ErrorDetail
    mfa_token: str | None = None


class SessionRead(BaseModel):
    """A signed-in device: one sign-in's refresh-token family."""

    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    user_agent: str | None
    # The session of the access token asking.
    current: bool
