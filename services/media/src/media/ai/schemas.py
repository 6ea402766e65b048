from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class ImageGenerate(BaseModel):
    name: Text
    gender: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    feature: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    options: list[Text] = Field(default_factory=list, max_length=20)


class ImageGenerated(BaseModel):
    ok: bool
    # A data URI: the AI's picture, or the local placeholder.
    image: str
    url: str | None
    media_id: str | None
    placeholder: bool
