"""Passkeys under /auth/passkeys: add one while signed in, sign in with one, list, remove."""

from fastapi import APIRouter, Request, Response, status

from auth.dependencies import PasskeyChallengesDep, SettingsDep, SignerDep
from auth.passkeys import service
from auth.passkeys.dependencies import PasskeyDep
from auth.passkeys.schemas import PasskeyLogin, PasskeyOptionsRead, PasskeyRead, PasskeyRegister
from auth.sessions.cookies import token_response
from auth.sessions.schemas import TokenRead
from auth.sessions.service import open_session
from auth.users.dependencies import CurrentAccount
from common.db import SessionDep
from common.errors import Conflict, Unauthorized
from common.openapi import raises

router = APIRouter(prefix="/auth/passkeys", tags=["passkeys"])


@router.post("/register/options")
async def registration_options(
    user: CurrentAccount,
    session: SessionDep,
    settings: SettingsDep,
    challenges: PasskeyChallengesDep,
) -> PasskeyOptionsRead:
    """Options for navigator.credentials.create(): a discoverable credential, user
    verification preferred, the user's passkeys excluded."""
    challenge_id, options = await service.registration_options(
        session=session, settings=settings, challenges=challenges, user=user
    )
    return PasskeyOptionsRead(challenge_id=challenge_id, options=options)


@router.post("/register/verify", status_code=status.HTTP_201_CREATED)
@raises(service.InvalidRegistration, Conflict)
async def register(
    data: PasskeyRegister,
    user: CurrentAccount,
    session: SessionDep,
    settings: SettingsDep,
    challenges: PasskeyChallengesDep,
) -> PasskeyRead:
    passkey = await service.register(
        session=session,
        settings=settings,
        challenges=challenges,
        user=user,
        challenge_id=data.challenge_id,
        credential=data.credential,
        name=data.name,
    )
    return PasskeyRead.model_validate(passkey)


@router.post("/login/options")
async def login_options(
    settings: SettingsDep, challenges: PasskeyChallengesDep
) -> PasskeyOptionsRead:
    """Options for navigator.credentials.get(), for anyone: no account is named."""
    challenge_id, options = await service.login_options(settings=settings, challenges=challenges)
    return PasskeyOptionsRead(challenge_id=challenge_id, options=options)


@router.post("/login/verify")
@raises(Unauthorized)
async def log_in(
    data: PasskeyLogin,
    request: Request,
    response: Response,
    session: SessionDep,
    signer: SignerDep,
    settings: SettingsDep,
    challenges: PasskeyChallengesDep,
) -> TokenRead:
    """Sign in with a passkey and no password: the same tokens as /auth/login, no code
    asked (a passkey is both factors)."""
    user = await service.authenticate(
        session=session,
        settings=settings,
        challenges=challenges,
        challenge_id=data.challenge_id,
        credential=data.credential,
    )
    issued = await open_session(
        session=session,
        signer=signer,
        settings=settings,
        user=user,
        user_agent=request.headers.get("user-agent"),
    )
    return token_response(response, issued, settings)


@router.get("")
async def list_passkeys(user: CurrentAccount, session: SessionDep) -> list[PasskeyRead]:
    """The signed-in user's passkeys, oldest first (a handful: not paginated)."""
    passkeys = await service.list_passkeys(session=session, user=user)
    return [PasskeyRead.model_validate(p) for p in passkeys]


@router.delete("/{passkey_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_passkey(passkey: PasskeyDep, session: SessionDep) -> None:
    await service.delete_passkey(session=session, passkey=passkey)
