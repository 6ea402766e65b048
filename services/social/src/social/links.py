"""Public image links: media serves the bytes, the gateway is the address browsers use.

Every link is signed (common.image_urls): whoever social shows a post to was checked to
be allowed to see it, and media serves a post's image only on such a link (or to its
owner), so a private account's images stay with the people it approved.
"""

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from pydantic import SecretStr

from common.image_urls import Variant, signed_query

# A media id as a UUID (a column) or a string (inside a JSON column: an album's images).
MediaId = uuid.UUID | str


@dataclass(frozen=True)
class Links:
    public_url: str
    signing_secret: SecretStr

    def _signed(self, media_id: MediaId, variant: Variant) -> str:
        return signed_query(self.signing_secret, media_id, variant)

    def image(self, media_id: MediaId) -> str:
        return f"{self.public_url}/media/{media_id}/original?{self._signed(media_id, 'original')}"

    def thumbnail(self, media_id: MediaId) -> str:
        query = self._signed(media_id, "thumb_small")
        return f"{self.public_url}/media/{media_id}/thumb?size=small&{query}"

    def avatar(self, media_id: MediaId | None) -> str | None:
        return self.thumbnail(media_id) if media_id else None


async def get_links(request: Request) -> Links:
    settings = request.app.state.settings
    return Links(settings.public_url.rstrip("/"), settings.internal_token)


LinksDep = Annotated[Links, Depends(get_links)]
