"""Service-wide dependencies: the objects the lifespan puts on `app.state`."""

from typing import Annotated

from fastapi import Depends, Request

from auth.config import Settings
from auth.crypto import SecretBox
from auth.keys.service import Signer
from auth.sessions.throttle import LoginThrottle


async def _settings(request: Request) -> Settings:
    result: Settings = request.app.state.settings
    return result


async def _signer(request: Request) -> Signer:
    result: Signer = request.app.state.signer
    return result


async def _box(request: Request) -> SecretBox:
    result: SecretBox = request.app.state.secret_box
    return result


async def _throttle(request: Request) -> LoginThrottle:
    result: LoginThrottle = request.app.state.login_throttle
    return result


SettingsDep = Annotated[Settings, Depends(_settings)]
SignerDep = Annotated[Signer, Depends(_signer)]
SecretBoxDep = Annotated[SecretBox, Depends(_box)]
ThrottleDep = Annotated[LoginThrottle, Depends(_throttle)]
