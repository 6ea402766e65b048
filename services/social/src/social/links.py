"""Public image links: media serves the bytes, the gateway is the address browsers use."""

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request


@dataclass(frozen=True)
class Links:
    public_url: str

    def image(self, media_id: uuid.UUID) -> str:
        return f"{self.public_url}/media/{media_id}/original"

    def thumbnail(self, media_id: uuid.UUID) -> str:
        return f"{self.public_url}/media/{media_id}/thumb?size=small"

    def avatar(self, media_id: uuid.UUID | None) -> str | None:
        return self.thumbnail(media_id) if media_id else None


async def get_links(request: Request) -> Links:
    return Links(request.app.state.settings.public_url.rstrip("/"))


LinksDep = Annotated[Links, Depends(get_links)]
