from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from auth.users.schemas import UserRead


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=320, description="username or email")
    password: SecretStr = Field(min_length=1, max_length=128)


class RefreshRequest(BaseModel):
    refresh_token: SecretStr


class TokenRead(BaseModel):
    user: UserRead
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
