from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, EmailStr, Field, SecretStr

from auth.users.schemas import MIXED_PASSWORD


def _strong_enough(value: SecretStr) -> SecretStr:
    if not MIXED_PASSWORD.search(value.get_secret_value()):
        raise ValueError("must mix letters with digits or symbols")
    return value


# The rule registration applies (UserCreate), but for the username, which is known.
NewPassword = Annotated[
    SecretStr,
    Field(min_length=8, max_length=128, json_schema_extra={"pattern": MIXED_PASSWORD.pattern}),
    AfterValidator(_strong_enough),
]
# A token from a mailed link: 43 characters of URL-safe base64; anything longer is not one.
LinkToken = Annotated[SecretStr, Field(min_length=1, max_length=200)]


class EmailVerify(BaseModel):
    token: LinkToken


class EmailVerified(BaseModel):
    email: str
    email_verified: Literal[True] = True


class EmailChange(BaseModel):
    new_email: EmailStr
    password: SecretStr = Field(min_length=1, max_length=128)


class PasswordForgot(BaseModel):
    email: EmailStr


class PasswordReset(BaseModel):
    token: LinkToken
    password: NewPassword


class PasswordChange(BaseModel):
    current_password: SecretStr = Field(min_length=1, max_length=128)
    new_password: NewPassword


class Accepted(BaseModel):
    """Taken: a mail is on its way when there is one to send."""

    ok: Literal[True] = True


class Done(BaseModel):
    ok: Literal[True] = True
