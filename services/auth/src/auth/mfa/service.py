"""TOTP (RFC 6238: 30 s steps, 6 digits) and recovery codes, the second factor of a sign-in.

The secret is kept encrypted and each step's code is accepted once (the last used step is
remembered), so a code seen or replayed is refused even within its window. Recovery codes
are kept as hashes and each works once. Wrong codes are counted per account and per IP
(auth.sessions.throttle) wherever a code is checked for someone who may not be the owner:
finishing a sign-in and turning TOTP off.
"""

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime

import pyotp
from sqlalchemy.ext.asyncio import AsyncSession

from auth.config import PLATFORM_NAME
from auth.crypto import InvalidToken, SecretBox
from auth.mfa import repository
from auth.mfa.models import RecoveryCode, TotpCredential
from auth.mfa.schemas import RecoveryFactor, SecondFactor
from auth.sessions.mfa_tokens import MfaTokens
from auth.sessions.throttle import LoginThrottle
from auth.users import repository as users_repository
from auth.users.models import User
from common.errors import ApiError, Conflict, Unauthorized

RECOVERY_CODES = 10
# Wrong codes allowed per account within the sign-in window before answers are 429: the
# password is already known to whoever is guessing, so fewer than for passwords.
MAX_CODE_FAILURES = 5
# A code of the step before or after the server's is accepted: clocks drift, people type.
VALID_WINDOW = 1


class InvalidCode(ApiError):
    status, code, message = 400, "invalid_code", "Wrong or already used code"


def _invalid_mfa_token() -> Unauthorized:
    return Unauthorized("Sign in again: this sign-in expired", code="invalid_mfa_token")


def _throttle_key(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def _hash_recovery_code(code: str) -> bytes:
    normalised = code.replace("-", "").replace(" ", "").lower()
    return hashlib.sha256(normalised.encode()).digest()


def _new_recovery_code() -> str:
    # 80 random bits as 16 base32 letters, grouped by four to be read and typed.
    letters = base64.b32encode(secrets.token_bytes(10)).decode().lower()
    return "-".join(letters[i : i + 4] for i in range(0, 16, 4))


def _accept_totp(row: TotpCredential, box: SecretBox, code: str, *, now: datetime) -> bool:
    """Whether `code` is the code of a step near now not used before; remembers the step."""
    try:
        totp = pyotp.TOTP(box.decrypt(row.secret_sealed))
    except InvalidToken:
        # Sealed under a key since removed: no code can match; recovery codes still work.
        return False
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if row.last_used_step is not None and step <= row.last_used_step:
                return False
            row.last_used_step = step
            return True
    return False


async def _check_second_factor(
    *, session: AsyncSession, box: SecretBox, user_id: uuid.UUID, factor: SecondFactor
) -> bool:
    now = datetime.now(UTC)
    if isinstance(factor, RecoveryFactor):
        return await repository.spend_recovery_code(
            session, user_id, _hash_recovery_code(factor.recovery_code), at=now
        )
    row = await repository.get_totp_for_update(session, user_id)
    if row is None or row.enabled_at is None:
        return False
    return _accept_totp(row, box, factor.code, now=now)


async def set_up_totp(*, session: AsyncSession, box: SecretBox, user: User) -> tuple[str, str]:
    """A new pending secret (replacing a pending one): (secret, otpauth URI)."""
    if user.mfa_enabled:
        raise Conflict("Two-factor sign-in is already on", code="totp_already_enabled")
    secret = pyotp.random_base32()
    await repository.put_pending_totp(session, user.id, box.encrypt(secret))
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=PLATFORM_NAME)
    return secret, uri


async def enable_totp(*, session: AsyncSession, box: SecretBox, user: User, code: str) -> list[str]:
    """Turn TOTP on with a first code from the app; the new recovery codes, in clear once."""
    if user.mfa_enabled:
        raise Conflict("Two-factor sign-in is already on", code="totp_already_enabled")
    row = await repository.get_totp_for_update(session, user.id)
    if row is None:
        raise Conflict("Set up two-factor sign-in first", code="totp_not_set_up")
    if not _accept_totp(row, box, code, now=datetime.now(UTC)):
        raise InvalidCode()
    row.enabled_at = datetime.now(UTC)
    user.mfa_enabled = True
    await repository.delete_recovery_codes(session, user.id)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    for code_ in codes:
        await repository.add(
            session, RecoveryCode(user_id=user.id, code_hash=_hash_recovery_code(code_))
        )
    return codes


async def disable_totp(
    *,
    session: AsyncSession,
    box: SecretBox,
    throttle: LoginThrottle,
    user: User,
    factor: SecondFactor,
    ip: str,
) -> None:
    """Turn TOTP off with a current code or a recovery code: a stolen access token alone
    must not remove the second factor."""
    if not user.mfa_enabled:
        raise Conflict("Two-factor sign-in is off", code="totp_not_enabled")
    key = _throttle_key(user.id)
    await throttle.check(login=key, ip=ip)
    if not await _check_second_factor(session=session, box=box, user_id=user.id, factor=factor):
        await throttle.record_failure(login=key, ip=ip)
        raise InvalidCode()
    await throttle.reset_account(login=key)
    await repository.delete_second_factors(session, user.id)
    user.mfa_enabled = False


async def finish_sign_in(
    *,
    session: AsyncSession,
    box: SecretBox,
    throttle: LoginThrottle,
    mfa_tokens: MfaTokens,
    mfa_token: str,
    factor: SecondFactor,
    ip: str,
) -> User:
    """The user whose half-finished sign-in `mfa_token` is, once the second factor holds;
    the token is spent then, and only then (a mistyped code can be typed again)."""
    user_id = await mfa_tokens.user_of(mfa_token)
    if user_id is None:
        raise _invalid_mfa_token()
    key = _throttle_key(user_id)
    await throttle.check(login=key, ip=ip)
    user = await users_repository.get(session, user_id)
    if user is None or not user.mfa_enabled:
        raise _invalid_mfa_token()
    if not await _check_second_factor(session=session, box=box, user_id=user_id, factor=factor):
        await throttle.record_failure(login=key, ip=ip)
        raise Unauthorized("Wrong or already used code", code="invalid_code")
    if not await mfa_tokens.spend(mfa_token):
        # Another request finished this sign-in first; this one's writes roll back.
        raise _invalid_mfa_token()
    await throttle.reset_account(login=key)
    return user
