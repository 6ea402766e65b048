from typing import Annotated, Self

from pydantic import BaseModel, Field, model_validator

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


class SecondFactor(BaseModel):
    """A code from the authenticator app, or one of the recovery codes (each works once)."""

    code: TotpCode | None = None
    recovery_code: RecoveryCode | None = None

    @model_validator(mode="after")
    def exactly_one(self) -> Self:
        if (self.code is None) == (self.recovery_code is None):
            raise ValueError("give either code or recovery_code")
        return self


class MfaLogin(SecondFactor):
    """The `mfa_token` a sign-in answered with (`mfa_required`), and the second factor."""

    mfa_token: MfaToken
