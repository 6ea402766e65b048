"""Service-wide dependencies: the objects the lifespan puts on `app.state`."""

from typing import Annotated

from fastapi import Depends

from auth.config import Settings
from auth.crypto import SecretBox
from auth.keys.service import Signer
from auth.sessions.throttle import LoginThrottle
from common.state import app_state

SettingsDep = Annotated[Settings, Depends(app_state("settings"))]
SignerDep = Annotated[Signer, Depends(app_state("signer"))]
SecretBoxDep = Annotated[SecretBox, Depends(app_state("secret_box"))]
ThrottleDep = Annotated[LoginThrottle, Depends(app_state("login_throttle"))]
