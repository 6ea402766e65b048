from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

TotpCode = Annotated[str, Field(pattern=r"^[0-9]{6}$", examples=["123456"])]
# As shown ("abcd-efgh-ijkl-mnop"), or typed without dashes, spaces or in capitals.
RecoveryCode = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z2-7][A-Za-z2-7 -]{14,30}[A-Za-z2-7]$", examples=["abcd-efgh-2345-mnop"]
    ),
]
MfaToken = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


class TotpSetupRead(BaseModel):
    """The new secret, to type into an authenticator app or to show as a QR code (the URI)."""

    secret: str
    otpauth_uri: str


class TotpEnable(BaseModel):
    code: TotpCode


class RecoveryCodesRead(BaseModel):
    """Shown once: only their hashes are kept."""

    recovery_codes: list[str]


# Exactly one factor: each body shape forbids the other's field, so the schema itself
# says "a code or a recovery code", and a request with both or neither is a 422.
class TotpFactor(BaseModel):
    """A code from the authenticator app."""

    model_config = ConfigDict(extra="forbid")

    code: TotpCode


class RecoveryFactor(BaseModel):
    """One of the recovery codes (each works once)."""

    model_config = ConfigDict(extra="forbid")

    recovery_code: RecoveryCode


SecondFactor = TotpFactor | RecoveryFactor


class MfaLoginWithCode(TotpFactor):
    """The `mfa_token` a sign-in answered with (`mfa_required`), and a code."""

    mfa_token: MfaToken


class MfaLoginWithRecoveryCode(RecoveryFactor):
    """The `mfa_token` a sign-in answered with (`mfa_required`), and a recovery code."""

    mfa_token: MfaToken


MfaLogin = MfaLoginWithCode | MfaLoginWithRecoveryCode
