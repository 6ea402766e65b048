"""The one place that talks to the auth service: who a user id is, for a profile named
before auth's users stream has told this service about it."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI

from common.errors import DependencyUnavailable
from common.request_id import REQUEST_ID_HOOKS
from common.state import app_state
from social.config import Settings


@dataclass(frozen=True)
class PublicUser:
    id: uuid.UUID
    username: str


class AuthClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def public_user(self, user_id: uuid.UUID) -> PublicUser | None:
        """The user auth knows by this id, or None when there is none."""
        try:
            response = await self.http.get(f"/auth/users/{user_id}")
            if response.status_code == 404:
                return None
            response.raise_for_status()
            body = response.json()
            return PublicUser(uuid.UUID(body["id"]), str(body["username"]))
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            raise DependencyUnavailable("auth", "Cannot look the user up right now") from exc


@asynccontextmanager
async def auth_client(app: FastAPI, settings: Settings) -> AsyncIterator[AuthClient]:
    """Lifespan part: one pooled client to auth, on `app.state.auth`."""
    async with httpx.AsyncClient(
        base_url=settings.auth_url,
        timeout=settings.auth_timeout_seconds,
        event_hooks=REQUEST_ID_HOOKS,
    ) as http:
        app.state.auth = AuthClient(http)
        yield app.state.auth


AuthDep = Annotated[AuthClient, Depends(app_state("auth"))]
