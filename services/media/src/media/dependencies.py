"""Dependencies every domain of the service uses: settings, clients on app.state, internal calls."""

import hmac
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import httpx
from fastapi import Depends, Header, Request

from common.errors import Forbidden, Unauthorized
from common.openapi import raises
from media.config import Settings
from media.storage import ObjectStore


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_objects(request: Request) -> ObjectStore:
    return request.app.state.objects


def get_image_pool(request: Request) -> ThreadPoolExecutor:
    return request.app.state.image_pool


def get_http(request: Request) -> httpx.AsyncClient:
    return request.app.state.http


SettingsDep = Annotated[Settings, Depends(get_settings)]
ObjectsDep = Annotated[ObjectStore, Depends(get_objects)]
ImagePoolDep = Annotated[ThreadPoolExecutor, Depends(get_image_pool)]
HttpDep = Annotated[httpx.AsyncClient, Depends(get_http)]


@raises(Unauthorized, Forbidden)
def require_internal_token(
    settings: SettingsDep,
    token: Annotated[str | None, Header(alias="X-Internal-Token", include_in_schema=False)] = None,
) -> None:
    """Service-to-service calls carry the shared secret; an unset secret admits nobody."""
    if not token:
        raise Unauthorized("Internal endpoint", code="internal_token_required")
    expected = settings.internal_token.get_secret_value().encode()
    if not expected or not hmac.compare_digest(token.encode(), expected):
        raise Forbidden("Invalid internal token", code="invalid_internal_token")


InternalCaller = Depends(require_internal_token)
