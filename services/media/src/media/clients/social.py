"""The one place that talks to the social service: whether a post or an avatar still
shows an image, asked before its owner may delete it; an image's new alt text."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from common.errors import DependencyUnavailable
from common.request_id import REQUEST_ID_HOOKS
from media.config import Settings


class SocialClient:
    def __init__(self, http: httpx.AsyncClient, *, internal_token: str) -> None:
        self.http = http
        self.internal_token = internal_token

    async def media_in_use(self, media_id: uuid.UUID) -> bool:
        """Whether a post or an avatar shows this media; 503 when social can't say."""
        try:
            response = await self.http.get(
                f"/internal/media/{media_id}/usage",
                headers={"X-Internal-Token": self.internal_token},
            )
            response.raise_for_status()
            return bool(response.json()["in_use"])
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            # Unknown is not "unused": deleting an image a post shows is what this prevents.
            raise DependencyUnavailable("social", "Cannot tell whether a post shows it") from exc

    async def set_alt(self, media_id: uuid.UUID, alt: str) -> None:
        """Tell social an image's new alt text, for the posts that show it."""
        try:
            response = await self.http.put(
                f"/internal/media/{media_id}/alt",
                json={"alt": alt},
                headers={"X-Internal-Token": self.internal_token},
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise DependencyUnavailable("social", "Cannot pass the alt text on") from exc


@asynccontextmanager
async def social_client(app: FastAPI, settings: Settings) -> AsyncIterator[SocialClient]:
    """Lifespan part: one pooled client to social, on `app.state.social`."""
    async with httpx.AsyncClient(
        base_url=settings.social_url,
        timeout=settings.social_timeout_seconds,
        event_hooks=REQUEST_ID_HOOKS,
    ) as http:
        app.state.social = SocialClient(
            http, internal_token=settings.internal_token.get_secret_value()
        )
        yield app.state.social
