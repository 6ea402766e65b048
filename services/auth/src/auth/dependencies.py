"""Service-wide dependencies: the objects the lifespan puts on `app.state`."""

from typing import Annotated

from fastapi import Depends, Request

from auth.config import Settings
from auth.crypto import SecretBox
from auth.keys.service import Signer
from auth.sessions.throttle import LoginThrottle


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _signer(request: Request) -> Signer:
    return request.app.state.signer


def _box(request: Request) -> SecretBox:
    return request.app.state.secret_box


def _throttle(request: Request) -> LoginThrottle:
    return request.app.state.login_throttle


SettingsDep = Annotated[Settings, Depends(_settings)]
SignerDep = Annotated[Signer, Depends(_signer)]
SecretBoxDep = Annotated[SecretBox, Depends(_box)]
ThrottleDep = Annotated[LoginThrottle, Depends(_throttle)]
