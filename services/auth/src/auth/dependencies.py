"""Service-wide dependencies: the objects the lifespan puts on `app.state`."""

from typing import Annotated

from fastapi import Depends

from auth.config import Settings
from auth.crypto import SecretBox
from auth.keys.service import Signer
from auth.passkeys.service import PasskeyChallenges
from auth.sessions.mfa_tokens import MfaTokens
from auth.sessions.throttle import LoginThrottle
from common.state import app_state

SettingsDep = Annotated[Settings, Depends(app_state("settings"))]
SignerDep = Annotated[Signer, Depends(app_state("signer"))]
SecretBoxDep = Annotated[SecretBox, Depends(app_state("secret_box"))]
ThrottleDep = Annotated[LoginThrottle, Depends(app_state("login_throttle"))]
# Wrong second-factor codes, counted apart from wrong passwords (auth.mfa).
MfaThrottleDep = Annotated[LoginThrottle, Depends(app_state("mfa_throttle"))]
MfaTokensDep = Annotated[MfaTokens, Depends(app_state("mfa_tokens"))]
PasskeyChallengesDep = Annotated[PasskeyChallenges, Depends(app_state("passkey_challenges"))]
