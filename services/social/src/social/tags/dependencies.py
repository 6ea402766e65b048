"""The tag a path names, normalised (`/tags/Travel` is `travel`); 404 for no tag at all."""

from typing import Annotated

from fastapi import Depends, Path

from common.errors import NotFound
from common.openapi import raises
from social.models import TAG_MAX_LENGTH
from social.tags.parsing import normalize_tag


@raises(NotFound)
async def tag_name(
    name: Annotated[
        str,
        # What clients send may carry the `#`, and NFKC may shorten it: a little slack.
        Path(max_length=4 * TAG_MAX_LENGTH, description="The tag, with or without its `#`"),
    ],
) -> str:
    normalized = normalize_tag(name.removeprefix("#"))
    if normalized is None:
        raise NotFound("No such tag", code="tag_not_found")
    return normalized


TagName = Annotated[str, Depends(tag_name)]
