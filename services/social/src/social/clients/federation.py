"""The one place that talks to the federation service: the outbox's events, and finding a
remote account by `user@host`. Both as the service (X-Internal-Token): neither has a caller
whose token federation would take."""

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI, Request
from pydantic import SecretStr

from common.errors import ApiError, DependencyUnavailable
from common.request_id import REQUEST_ID_HOOKS
from social.config import Settings


class FederationClient:
    def __init__(self, http: httpx.AsyncClient, *, internal_token: SecretStr) -> None:
        self.http = http
        self.headers = {"X-Internal-Token": internal_token.get_secret_value()}

    async def send_events(self, events: Sequence[dict[str, Any]]) -> None:
        """Hand events (`{id, kind, payload}`) over; raises unless federation took them all
        (it dedupes by id, so sending one twice is harmless)."""
        try:
            response = await self.http.post(
                "/internal/federation/events", json={"events": events}, headers=self.headers
            )
        except httpx.HTTPError as exc:
            raise DependencyUnavailable("federation") from exc
        if response.is_error:
            raise ApiError("The federation service failed", status=502, code="federation_failed")

    async def lookup(self, acct: str) -> uuid.UUID | None:
        """The profile id of the remote account `user@host` (federation fetched it and
        stored it here as a profile), or None when there is no such account."""
        try:
            response = await self.http.get(
                "/internal/federation/lookup", params={"acct": acct}, headers=self.headers
            )
            if response.status_code in (404, 422):
                return None
            response.raise_for_status()
            return uuid.UUID(response.json()["id"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise DependencyUnavailable("federation") from exc


@asynccontextmanager
async def federation_client(
    app: FastAPI, settings: Settings
) -> AsyncIterator[FederationClient | None]:
    """Lifespan part: one pooled client to federation on `app.state.federation`, or None
    there when federation is off."""
    if not settings.federation_url:
        app.state.federation = None
        yield None
        return
    async with httpx.AsyncClient(
        base_url=settings.federation_url,
        timeout=settings.federation_timeout_seconds,
        event_hooks=REQUEST_ID_HOOKS,
    ) as http:
        app.state.federation = FederationClient(http, internal_token=settings.internal_token)
        yield app.state.federation


async def get_federation(request: Request) -> FederationClient | None:
    return request.app.state.federation  # type: ignore[no-any-return]


# None: federation is off.
FederationDep = Annotated[FederationClient | None, Depends(get_federation)]
