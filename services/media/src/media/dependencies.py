"""Dependencies every domain of the service uses: settings and clients on app.state, and the
caller, refused (401) when its account was deleted while its token still lives."""

from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import httpx
from fastapi import Depends, Request

from common.deleted_users import live_user
from common.tokens import Principal
from media.accounts.models import DeletedUser
from media.clients.social import SocialClient
from media.config import Settings
from media.storage import ObjectStore


async def app_settings(request: Request) -> Settings:
    """The settings this app was made with (config.get_settings reads the environment)."""
    result: Settings = request.app.state.settings
    return result


async def get_objects(request: Request) -> ObjectStore:
    result: ObjectStore = request.app.state.objects
    return result


async def get_image_pool(request: Request) -> ThreadPoolExecutor:
    result: ThreadPoolExecutor = request.app.state.image_pool
    return result


async def get_http(request: Request) -> httpx.AsyncClient:
    result: httpx.AsyncClient = request.app.state.http
    return result


async def get_social(request: Request) -> SocialClient:
    result: SocialClient = request.app.state.social
    return result


SettingsDep = Annotated[Settings, Depends(app_settings)]
ObjectsDep = Annotated[ObjectStore, Depends(get_objects)]
ImagePoolDep = Annotated[ThreadPoolExecutor, Depends(get_image_pool)]
HttpDep = Annotated[httpx.AsyncClient, Depends(get_http)]
SocialDep = Annotated[SocialClient, Depends(get_social)]
LiveUser = Annotated[Principal, Depends(live_user(DeletedUser))]
