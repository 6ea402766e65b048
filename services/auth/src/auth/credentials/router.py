"""Verification links, password reset and change, email change, under /auth."""

from typing import Annotated

from fastapi import APIRouter, Header, Request, status

from auth.credentials import service
from auth.credentials.dependencies import MailThrottleDep
from auth.credentials.schemas import (
    Accepted,
    Done,
    EmailChange,
    EmailVerified,
    EmailVerify,
    PasswordChange,
    PasswordForgot,
    PasswordReset,
)
from auth.credentials.service import InvalidLinkToken
from auth.credentials.throttle import TooManyMails
from auth.dependencies import SecretBoxDep, SettingsDep
from auth.mail.templates import language_of
from auth.sessions.dependencies import CurrentSession, RevokerDep
from auth.sessions.throttle import client_ip
from auth.users.dependencies import CurrentAccount
from common.db import SessionDep
from common.errors import Conflict, Forbidden
from common.openapi import raises

router = APIRouter(prefix="/auth", tags=["credentials"])


@router.post("/email/verify")
@raises(InvalidLinkToken, Conflict)
async def verify_email(data: EmailVerify, session: SessionDep) -> EmailVerified:
    """Follow a verification link (signed in or not): its address is the account's."""
    user = await service.verify_email(session=session, token=data.token.get_secret_value())
    assert user.email is not None
    return EmailVerified(email=user.email)


@router.post("/email/resend", status_code=status.HTTP_202_ACCEPTED)
@raises(Conflict, TooManyMails)
async def resend_verification(
    user: CurrentAccount,
    request: Request,
    session: SessionDep,
    box: SecretBoxDep,
    settings: SettingsDep,
    throttle: MailThrottleDep,
) -> Accepted:
    """A new verification link to the account's address; 409 when it is verified."""
    await throttle.check_ip(client_ip(request, settings.trusted_proxies))
    await service.resend_verification(
        session=session, box=box, settings=settings, throttle=throttle, user=user
    )
    return Accepted()


@router.post("/email/change", status_code=status.HTTP_202_ACCEPTED)
@raises(Forbidden, Conflict, TooManyMails)
async def change_email(
    data: EmailChange,
    user: CurrentAccount,
    request: Request,
    session: SessionDep,
    box: SecretBoxDep,
    settings: SettingsDep,
    throttle: MailThrottleDep,
) -> Accepted:
    """Move the account to a new address, once a link mailed there is followed; the old
    address is told."""
    await throttle.check_ip(client_ip(request, settings.trusted_proxies))
    await service.change_email(
        session=session,
        box=box,
        settings=settings,
        throttle=throttle,
        user=user,
        new_email=str(data.new_email),
        password=data.password.get_secret_value(),
    )
    return Accepted()


@router.post("/password/forgot", status_code=status.HTTP_202_ACCEPTED)
@raises(TooManyMails)
async def forgot_password(
    data: PasswordForgot,
    request: Request,
    session: SessionDep,
    box: SecretBoxDep,
    settings: SettingsDep,
    throttle: MailThrottleDep,
    accept_language: Annotated[str | None, Header()] = None,
) -> Accepted:
    """Mail a reset link, valid once for 30 minutes, if the address has an account (else a
    mail saying none uses it, in the asker's language): the answer is 202 either way."""
    await throttle.check_ip(client_ip(request, settings.trusted_proxies))
    await service.forgot_password(
        session=session,
        box=box,
        throttle=throttle,
        email=str(data.email),
        language=language_of(accept_language),
    )
    return Accepted()


@router.post("/password/reset")
@raises(InvalidLinkToken)
async def reset_password(data: PasswordReset, session: SessionDep, revoker: RevokerDep) -> Done:
    """A new password from a reset link; every session of the account ends."""
    await service.reset_password(
        session=session,
        revoker=revoker,
        token=data.token.get_secret_value(),
        password=data.password.get_secret_value(),
    )
    return Done()


@router.post("/password/change")
@raises(Forbidden)
async def change_password(
    data: PasswordChange,
    user: CurrentAccount,
    current: CurrentSession,
    session: SessionDep,
    box: SecretBoxDep,
    revoker: RevokerDep,
) -> Done:
    """A new password, proven by the current one; every other device is signed out."""
    await service.change_password(
        session=session,
        box=box,
        revoker=revoker,
        user=user,
        current_session=current,
        current_password=data.current_password.get_secret_value(),
        new_password=data.new_password.get_secret_value(),
    )
    return Done()
