"""Dependencies every domain of the service uses: settings and clients on app.state."""

from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import httpx
from fastapi import Depends, Request

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
