"""What routes take from the lifespan's app.state, as Annotated aliases."""

from typing import Annotated

from fastapi import Depends

from common.state import app_state
from federation.activitypub import Urls
from federation.clients.social import SocialClient
from federation.config import Settings
from federation.keys.service import KeyStore
from federation.remote.service import RemoteActors

SettingsDep = Annotated[Settings, Depends(app_state("settings"))]
SocialDep = Annotated[SocialClient, Depends(app_state("social"))]
KeysDep = Annotated[KeyStore, Depends(app_state("keys"))]
UrlsDep = Annotated[Urls, Depends(app_state("urls"))]
RemoteActorsDep = Annotated[RemoteActors, Depends(app_state("remote_actors"))]
