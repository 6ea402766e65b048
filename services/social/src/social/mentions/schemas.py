"""Mentions as the API shows them."""

import uuid

from pydantic import BaseModel


class MentionRead(BaseModel):
    """A user a caption names with `@username` (the username as it is now)."""

    id: uuid.UUID
    username: str
