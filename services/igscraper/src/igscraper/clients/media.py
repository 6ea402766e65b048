"""The one place that talks to the media service: its Instagram avatar cache."""

import asyncio
import logging
from collections.abc import Sequence

import httpx
from pydantic import SecretStr

logger = logging.getLogger(__name__)


class MediaClient:
    def __init__(
        self, http: httpx.AsyncClient, *, internal_token: SecretStr | None, concurrency: int
    ) -> None:
        self.http = http
        self.internal_token = internal_token
        self.concurrency = concurrency

    async def cache_avatar(self, ig_user_id: str, url: str) -> bool:
        """Ask media to fetch and keep one profile picture; False (logged) if it could not."""
        token = self.internal_token.get_secret_value() if self.internal_token else ""
        try:
            response = await self.http.put(
                f"/internal/ig-avatars/{ig_user_id}",
                json={"url": url},
                headers={"X-Internal-Token": token},
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            logger.warning(
                "avatar not cached", extra={"ig_user_id": ig_user_id, "error": type(exc).__name__}
            )
            return False
        return True

    async def cache_avatars(self, pictures: Sequence[tuple[str, str]]) -> int:
        """Hand over many pictures, a few at a time; returns how many media accepted."""
        gate = asyncio.Semaphore(self.concurrency)

        async def one(ig_user_id: str, url: str) -> bool:
            async with gate:
                return await self.cache_avatar(ig_user_id, url)

        results = await asyncio.gather(*(one(i, u) for i, u in pictures))
        return sum(results)
