"""Comments as the API takes and shows them."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from common.text import NOT_BLANK_PATTERN, NUL_FREE, trimmed
from social.mentions.schemas import MentionRead
from social.models import CONTENT_MAX_LENGTH
from social.profiles.schemas import AuthorRead


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Whitespace alone is not a comment; what is kept is trimmed.
    content: Annotated[
        str,
        Field(min_length=1, max_length=CONTENT_MAX_LENGTH, pattern=NOT_BLANK_PATTERN),
        NUL_FREE,
        AfterValidator(trimmed),
    ]


class CommentRead(BaseModel):
    id: uuid.UUID
    post_id: uuid.UUID
    author: AuthorRead
    content: str
    # The users it names with `@username` (a name that is nobody's stays plain text).
    mentions: list[MentionRead]
    created_at: datetime
