"""The one place that talks to media: remote images fetched, checked and kept by media."""

from typing import Any

from federation.clients.internal import InternalClient


class MediaClient(InternalClient):
    service = "media"

    async def remote_media(self, *, url: str, owner_id: str) -> dict[str, Any]:
        """`{id, width, height, blurhash, media_type}` of the image at `url`, now media's.
        Refused (a remote that is not an image, too big, or refused) raises `Refused`."""
        body: dict[str, Any] = await self.request(
            "POST", "/internal/remote-media", json={"url": url, "owner_id": owner_id}
        )
        return body
