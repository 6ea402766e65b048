"""Dependencies every domain of the service uses: settings and clients on app.state, and the
caller, refused (401) when its account was deleted while its token still lives."""

from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import httpx
from fastapi import Depends

from common.deleted_users import live_user
from common.state import app_state
from common.tokens import Principal
from media.accounts.models import DeletedUser
from media.clients.social import SocialClient
from media.config import Settings
from media.storage import ObjectStore

SettingsDep = Annotated[Settings, Depends(app_state("settings"))]
ObjectsDep = Annotated[ObjectStore, Depends(app_state("objects"))]
ImagePoolDep = Annotated[ThreadPoolExecutor, Depends(app_state("image_pool"))]
HttpDep = Annotated[httpx.AsyncClient, Depends(app_state("http"))]
SocialDep = Annotated[SocialClient, Depends(app_state("social"))]
LiveUser = Annotated[Principal, Depends(live_user(DeletedUser))]
