import re
import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
)

from auth.users.models import User

USERNAME_PATTERN = r"^[A-Za-z0-9_.]{3,30}$"
Username = Annotated[str, Field(pattern=USERNAME_PATTERN, examples=["alice"])]

# The seed app sent Korean labels; they stay accepted.
GENDER_ALIASES = {"남성": "male", "여성": "female"}


def _gender_alias(value: object) -> object:
    return GENDER_ALIASES.get(value, value) if isinstance(value, str) else value


Gender = Annotated[Literal["male", "female"], BeforeValidator(_gender_alias)]


# A letter and something else, in either order. SecretStr takes no pattern: it is
# documented on the field and checked by the validator below.
MIXED_PASSWORD = re.compile(r"[A-Za-z][\s\S]*[^A-Za-z]|[^A-Za-z][\s\S]*[A-Za-z]")
# Year 1900 or later (the rest of the rule, "not in the future", moves every day).
BIRTHDAY_PATTERN = r"^(19|[2-9][0-9])[0-9]{2}-"
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


Language = Literal["en", "ko", "es"]


class UserCreate(BaseModel):
    username: Username
    email: EmailStr
    password: SecretStr = Field(
        min_length=8, max_length=128, json_schema_extra={"pattern": MIXED_PASSWORD.pattern}
    )
    # The language of the mail we send; unset, the request's Accept-Language decides.
    language: Language | None = None

    @field_validator("password")
    @classmethod
    def strong_enough(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        password = value.get_secret_value()
        if not MIXED_PASSWORD.search(password):
            raise ValueError("must mix letters with digits or symbols")
        username = info.data.get("username")
        if username and username.lower() in password.lower():
            raise ValueError("must not contain the username")
        return value


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    email: str | None
    birthday: date | None
    gender: str | None
    needs_consent: bool
    email_verified: bool
    language: str
    identities: list[str] = Field(validation_alias="providers")
    # Whether a password can sign in, and so change the password or the address.
    has_password: bool
    # TOTP is on: a password or provider sign-in asks for a code (passkeys: GET /auth/passkeys).
    mfa_enabled: bool


def _iso_date_text(value: object) -> object:
    # Only what the schema documents, "YYYY-MM-DD": pydantic alone would also take a number
    # as a Unix time (0 → 1970-01-01) or a datetime at midnight.
    if not (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


class UserPublic(BaseModel):
    """What anyone may know of a user: social creates a profile from it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str


class ProfileUpdate(BaseModel):
    birthday: Annotated[
        date,
        BeforeValidator(_iso_date_text),
        Field(json_schema_extra={"pattern": BIRTHDAY_PATTERN}),
    ]
    gender: Gender
    username: Username | None = None

    @field_validator("birthday")
    @classmethod
    def plausible_birthday(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("must not be in the future")
        if value.year < 1900:
            raise ValueError("year must be 1900 or later")
        return value


class AccountUpdate(BaseModel):
    """What the account holder may change of the account itself: the language its mail
    (a reset link, a confirmation) is written in."""

    model_config = ConfigDict(extra="forbid")

    language: Language


class ProfileUpdated(BaseModel):
    ok: Literal[True] = True
    user: UserRead


def read_user(user: User) -> UserRead:
    return UserRead.model_validate(user)
