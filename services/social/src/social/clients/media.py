"""The one place that talks to the media service: with the caller's own token, or with the
service credential for background work that has no caller."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, BinaryIO

import httpx
from fastapi import Depends, FastAPI
from pydantic import SecretStr

from common.errors import ApiError, DependencyUnavailable, NotFound
from common.openapi import raises
from common.request_id import REQUEST_ID_HOOKS
from common.state import app_state
from social.config import Settings

# Media's refusals a user can act on pass through with media's own code: too big, not an
# image, over quota, bad token. Anything else from media is our upstream failing.
PASSED_THROUGH = {400, 401, 403, 404, 413, 415, 422}


@dataclass(frozen=True)
class MediaInfo:
    """What a post keeps of a media: whose it is, its size, blurhash, alt text and type."""

    id: uuid.UUID
    owner_id: uuid.UUID
    width: int
    height: int
    blurhash: str | None
    description: str
    media_type: str | None

    @classmethod
    def of(cls, body: dict[str, Any]) -> "MediaInfo":
        return cls(
            id=uuid.UUID(body["id"]),
            owner_id=uuid.UUID(body["owner_id"]),
            width=int(body["width"]),
            height=int(body["height"]),
            blurhash=body.get("blurhash"),
            description=str(body.get("description", "")),
            media_type=body.get("content_type"),
        )


class MediaClient:
    def __init__(self, http: httpx.AsyncClient, *, internal_token: SecretStr) -> None:
        self.http = http
        self.internal_token = internal_token

    def _internal(self) -> dict[str, str]:
        return {"X-Internal-Token": self.internal_token.get_secret_value()}

    async def _call(self, method: str, path: str, authorization: str, **kwargs: Any) -> Any:
        return await self._request(method, path, {"Authorization": authorization}, **kwargs)

    async def _request(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
        try:
            response = await self.http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise DependencyUnavailable("media", "The media service is unreachable") from exc
        if response.status_code in PASSED_THROUGH:
            raise _media_error(response)
        if response.status_code == 503:
            raise _media_outage(response)
        if response.is_error:
            raise ApiError("The media service failed", status=502, code="media_failed")
        return response.json() if response.content else None

    async def upload(
        self,
        *,
        file: BinaryIO,
        filename: str,
        content_type: str,
        authorization: str,
        description: str = "",
    ) -> MediaInfo:
        """Stream an image for a post to media as the caller, with its alt text; returns
        the new (or deduplicated) media. It stays pending, reclaimed by media's sweeper,
        unless `attach` follows: a post that never comes to be leaves nothing behind."""
        body = await self._call(
            "POST",
            "/media",
            authorization,
            params={"pending": "true"},
            data={"description": description},
            files={"file": (filename, file, content_type)},
        )
        return MediaInfo.of(body)

    async def describe(self, *, media_id: uuid.UUID) -> MediaInfo:
        """A media's owner, size, blurhash and alt text, as the service (a post's image is
        not open to its viewers' tokens); 404 when media does not know it."""
        return MediaInfo.of(
            await self._request("GET", f"/internal/media/{media_id}", self._internal())
        )

    async def attach(self, *, media_id: uuid.UUID) -> None:
        """Tell media a post shows this media, so it is no longer pending (idempotent)."""
        await self._request("PUT", f"/internal/media/{media_id}/attachment", self._internal())

    async def owner_of(self, *, media_id: uuid.UUID, authorization: str) -> uuid.UUID:
        """Who owns a media; 404 when media does not know it."""
        body = await self._call("GET", f"/media/{media_id}", authorization)
        return uuid.UUID(body["owner_id"])

    async def delete_unused(self, *, media_id: uuid.UUID) -> None:
        """Delete a media no post shows any more, as the service (the media deletion relay
        has no caller); one that is already gone counts as deleted."""
        try:
            await self._request("DELETE", f"/internal/media/{media_id}", self._internal())
        except NotFound:
            return


def _media_error(response: httpx.Response) -> ApiError:
    try:
        error = response.json()["error"]
        code, message = str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        code, message = "media_error", "The media service refused the request"
    if response.status_code == 404:
        return NotFound("Media not found", code="media_not_found")
    return ApiError(message, status=response.status_code, code=code)


def _media_outage(response: httpx.Response) -> DependencyUnavailable:
    """Media is up but what it needs is not (S3, its Postgres): a 503 naming that, so the
    client waits and retries instead of reading it as a failure of ours."""
    try:
        code = str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        code = ""
    dependency = code.removesuffix("_unavailable") if code.endswith("_unavailable") else "media"
    return DependencyUnavailable(dependency)


@asynccontextmanager
async def media_client(app: FastAPI, settings: Settings) -> AsyncIterator[MediaClient]:
    """Lifespan part: one pooled HTTP client to media, on `app.state.media`."""
    async with httpx.AsyncClient(
        base_url=settings.media_url,
        timeout=settings.media_timeout_seconds,
        event_hooks=REQUEST_ID_HOOKS,
    ) as http:
        app.state.media = MediaClient(http, internal_token=settings.internal_token)
        yield app.state.media


MediaDep = Annotated[MediaClient, Depends(raises(502, 503)(app_state("media")))]
