"""TOTP on and off under /auth/2fa, and the second step of a sign-in, /auth/login/mfa."""

from fastapi import APIRouter, Request, Response, status

from auth.dependencies import MfaThrottleDep, MfaTokensDep, SecretBoxDep, SettingsDep, SignerDep
from auth.mfa import service
from auth.mfa.schemas import MfaLogin, RecoveryCodesRead, SecondFactor, TotpEnable, TotpSetupRead
from auth.sessions.cookies import token_response
from auth.sessions.schemas import TokenRead
from auth.sessions.service import open_session
from auth.sessions.throttle import client_ip
from auth.users.dependencies import CurrentAccount
from common.db import SessionDep
from common.errors import Conflict, Unauthorized
from common.openapi import raises

router = APIRouter(tags=["two-factor"])


@router.post("/auth/2fa/totp/setup")
@raises(Conflict)
async def set_up_totp(
    user: CurrentAccount, session: SessionDep, box: SecretBoxDep
) -> TotpSetupRead:
    """A new secret for an authenticator app; TOTP is on once /enable gets a code of it."""
    secret, uri = await service.set_up_totp(session=session, box=box, user=user)
    return TotpSetupRead(secret=secret, otpauth_uri=uri)


@router.post("/auth/2fa/totp/enable")
@raises(Conflict, service.InvalidCode)
async def enable_totp(
    data: TotpEnable, user: CurrentAccount, session: SessionDep, box: SecretBoxDep
) -> RecoveryCodesRead:
    codes = await service.enable_totp(session=session, box=box, user=user, code=data.code)
    return RecoveryCodesRead(recovery_codes=codes)


@router.delete("/auth/2fa/totp", status_code=status.HTTP_204_NO_CONTENT)
@raises(Conflict, service.InvalidCode, 429)
async def disable_totp(
    data: SecondFactor,
    request: Request,
    user: CurrentAccount,
    session: SessionDep,
    box: SecretBoxDep,
    throttle: MfaThrottleDep,
    settings: SettingsDep,
) -> None:
    """Turn TOTP off with a current code or a recovery code; the recovery codes go too."""
    await service.disable_totp(
        session=session,
        box=box,
        throttle=throttle,
        user=user,
        factor=data,
        ip=client_ip(request, settings.trusted_proxies),
    )


@router.post("/auth/login/mfa")
@raises(Unauthorized, 429)
async def log_in_with_second_factor(
    data: MfaLogin,
    request: Request,
    response: Response,
    session: SessionDep,
    signer: SignerDep,
    settings: SettingsDep,
    box: SecretBoxDep,
    throttle: MfaThrottleDep,
    mfa_tokens: MfaTokensDep,
) -> TokenRead:
    """Finish a sign-in that answered `mfa_required`: the same tokens as /auth/login."""
    user = await service.finish_sign_in(
        session=session,
        box=box,
        throttle=throttle,
        mfa_tokens=mfa_tokens,
        mfa_token=data.mfa_token,
        factor=data,
        ip=client_ip(request, settings.trusted_proxies),
    )
    issued = await open_session(
        session=session,
        signer=signer,
        settings=settings,
        user=user,
        user_agent=request.headers.get("user-agent"),
    )
    return token_response(response, issued, settings)
