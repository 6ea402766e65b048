from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr

from auth.users.schemas import UserRead
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
