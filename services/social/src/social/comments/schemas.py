"""Comments as the API takes and shows them."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from social.comments.models import CONTENT_MAX_LENGTH
from social.profiles.schemas import AuthorRead


class CommentCreate(BaseModel):
    # Whitespace alone is not a comment.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    content: str = Field(min_length=1, max_length=CONTENT_MAX_LENGTH)


class CommentRead(BaseModel):
    id: uuid.UUID
    post_id: uuid.UUID
    author: AuthorRead
    content: str
    created_at: datetime
