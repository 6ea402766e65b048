"""Dependencies every domain of the service uses: settings and clients on app.state."""

from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import httpx
from fastapi import Depends, Request

from media.clients.social import SocialClient
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


def get_social(request: Request) -> SocialClient:
    return request.app.state.social


SettingsDep = Annotated[Settings, Depends(get_settings)]
ObjectsDep = Annotated[ObjectStore, Depends(get_objects)]
ImagePoolDep = Annotated[ThreadPoolExecutor, Depends(get_image_pool)]
HttpDep = Annotated[httpx.AsyncClient, Depends(get_http)]
SocialDep = Annotated[SocialClient, Depends(get_social)]
