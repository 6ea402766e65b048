from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from common.text import NOT_BLANK_PATTERN, NUL_FREE, trimmed

Text = Annotated[
    str,
    Field(min_length=1, max_length=100, pattern=NOT_BLANK_PATTERN),
    NUL_FREE,
    AfterValidator(trimmed),
]


class ImageGenerate(BaseModel):
    name: Text
    gender: Annotated[
        str,
        Field(min_length=1, max_length=20, pattern=NOT_BLANK_PATTERN),
        NUL_FREE,
        AfterValidator(trimmed),
    ]
    feature: Annotated[str, Field(max_length=500), NUL_FREE, AfterValidator(trimmed)] | None = None
    options: list[Text] = Field(default_factory=list, max_length=20)


class ImageGenerated(BaseModel):
    ok: bool
    # A data URI: the AI's picture, or the local placeholder.
    image: str
    url: str | None
    media_id: str | None
    placeholder: bool
