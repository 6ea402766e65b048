import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from common.text import NUL_FREE

ChallengeId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


class PasskeyOptionsRead(BaseModel):
    """`options` goes to `PublicKeyCredential.parseCreationOptionsFromJSON` (registration)
    or `parseRequestOptionsFromJSON` (sign-in); `challenge_id` comes back with the answer.
    The challenge works once, for 5 minutes."""

    challenge_id: str
    options: dict[str, Any]


class PasskeyRegister(BaseModel):
    challenge_id: ChallengeId
    # What `PublicKeyCredential.toJSON()` gives for navigator.credentials.create().
    credential: dict[str, Any]
    name: Annotated[str, Field(min_length=1, max_length=100), NUL_FREE] | None = None


class PasskeyLogin(BaseModel):
    challenge_id: ChallengeId
    # What `PublicKeyCredential.toJSON()` gives for navigator.credentials.get().
    credential: dict[str, Any]


class PasskeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
