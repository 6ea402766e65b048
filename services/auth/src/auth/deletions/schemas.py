"""Account deletion as the API takes and shows it."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class DeletionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Required for an account with a password; one without proves itself by a recent sign-in.
    password: SecretStr | None = Field(default=None, max_length=128)


class DeletionStatus(BaseModel):
    done: bool
    services: dict[str, Literal["done", "pending"]]
