"""Public image links: media serves the bytes, the gateway is the address browsers use.

Every link is signed (common.image_urls): whoever social shows a post to was checked to
be allowed to see it, and media serves a post's image only on such a link (or to its
owner), so a private account's images stay with the people it approved.
"""

import time
import uuid
from typing import Annotated

from fastapi import Depends, Request
from pydantic import SecretStr

from common.image_urls import TTL_SECONDS, Variant, expiry, signed_query

# A media id as a UUID (a column) or a string (inside a JSON column: an album's images).
MediaId = uuid.UUID | str
# Links kept per variant and expiry bucket; past this many they are forgotten and written anew.
MAX_REMEMBERED = 100_000


class Links:
    """One per app. A link is the same for every caller within an expiry bucket, so each is
    signed and written once a bucket: a feed page hands out ~130 (two per image, an avatar
    per post), writing them took a fifth of the page's time (bench/feed.py)."""

    def __init__(self, public_url: str, signing_secret: SecretStr) -> None:
        self.public_url = public_url
        self.signing_secret = signing_secret
        # One map a variant, keyed by the media id alone: a page looks up ~130 links, and a
        # (media id, variant) key would be built and hashed for each.
        self._originals: dict[MediaId, str] = {}
        self._thumbnails: dict[MediaId, str] = {}
        self._renew_at = 0.0  # when a link handed out gets the next bucket's expiry

    def _link(self, media_id: MediaId, variant: Variant, remembered: dict[MediaId, str]) -> str:
        if time.time() >= self._renew_at:
            self._originals.clear()
            self._thumbnails.clear()
            self._renew_at = expiry() - TTL_SECONDS
        link = remembered.get(media_id)
        if link is None:
            if len(remembered) >= MAX_REMEMBERED:
                remembered.clear()
            query = signed_query(self.signing_secret, media_id, variant)
            if variant == "original":
                link = f"{self.public_url}/media/{media_id}/original?{query}"
            else:
                link = f"{self.public_url}/media/{media_id}/thumb?size=small&{query}"
            remembered[media_id] = link
        return link

    def image(self, media_id: MediaId) -> str:
        return self._link(media_id, "original", self._originals)

    def thumbnail(self, media_id: MediaId) -> str:
        return self._link(media_id, "thumb_small", self._thumbnails)

    def avatar(self, media_id: MediaId | None) -> str | None:
        return self._link(media_id, "thumb_small", self._thumbnails) if media_id else None


async def get_links(request: Request) -> Links:
    links: Links = request.app.state.links
    return links


LinksDep = Annotated[Links, Depends(get_links)]
