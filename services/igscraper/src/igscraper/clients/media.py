"""The one place that talks to the media service: its Instagram avatar cache."""

import asyncio
import logging
import time
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

    async def cache_avatars(
        self, pictures: Sequence[tuple[str, str]], *, budget_seconds: float
    ) -> tuple[int, int]:
        """Hand pictures over `concurrency` at a time until done or out of time.

        Returns (handed over, accepted by media): the caller resumes after the first."""
        deadline = time.monotonic() + budget_seconds
        handed = accepted = 0
        for start in range(0, len(pictures), self.concurrency):
            if time.monotonic() >= deadline:
                break
            chunk = pictures[start : start + self.concurrency]
            results = await asyncio.gather(*(self.cache_avatar(i, u) for i, u in chunk))
            handed += len(chunk)
            accepted += sum(results)
        return handed, accepted
