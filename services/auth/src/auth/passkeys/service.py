"""Passkeys (WebAuthn, with the `webauthn` library): register one while signed in, then
sign in with it alone. A passkey is both factors at once (something held, unlocked by
something known or biometric), so its sign-in never asks for a TOTP code.

Challenges are single use: kept in Redis under a random id for 5 minutes and taken out
(GETDEL) by the answer, whether or not it verifies. Credentials are discoverable (the
authenticator keeps the account, so sign-in names no user); the relying party is the web
app's host (FRONTEND_URL).
"""

import json
import secrets
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from redis.asyncio import Redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    options_to_json_dict,
    parse_authentication_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from auth.config import PLATFORM_NAME, Settings
from auth.passkeys import repository
from auth.passkeys.models import Passkey
from auth.users import repository as users_repository
from auth.users.models import User
from common.errors import ApiError, Conflict, Unauthorized

CHALLENGE_TTL_SECONDS = 300
# What a malformed credential makes the library's parsers raise besides its own errors
# (bad base64, CBOR or structures): a refusal, never a 500.
MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError, IndexError, struct.error)

Purpose = Literal["register", "login"]


class InvalidRegistration(ApiError):
    status, code, message = 400, "invalid_passkey", "The passkey could not be verified"


def _invalid_sign_in() -> Unauthorized:
    return Unauthorized("The passkey could not be verified", code="invalid_passkey")


@dataclass(frozen=True)
class Challenge:
    challenge: bytes
    user_id: uuid.UUID | None


class PasskeyChallenges:
    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.prefix = f"{settings.redis_prefix}webauthn-challenge:"

    async def issue(self, purpose: Purpose, challenge: bytes, user_id: uuid.UUID | None) -> str:
        challenge_id = secrets.token_urlsafe(16)
        value = {
            "purpose": purpose,
            "challenge": bytes_to_base64url(challenge),
            "user_id": str(user_id) if user_id else None,
        }
        await self.redis.set(
            self.prefix + challenge_id, json.dumps(value), ex=CHALLENGE_TTL_SECONDS
        )
        return challenge_id

    async def take(self, purpose: Purpose, challenge_id: str) -> Challenge | None:
        """The challenge, once: a second answer to it finds nothing."""
        raw = await self.redis.getdel(self.prefix + challenge_id)
        if raw is None:
            return None
        value = json.loads(raw)
        if value["purpose"] != purpose:
            return None
        user_id = uuid.UUID(value["user_id"]) if value["user_id"] else None
        return Challenge(base64url_to_bytes(value["challenge"]), user_id)


async def registration_options(
    *, session: AsyncSession, settings: Settings, challenges: PasskeyChallenges, user: User
) -> tuple[str, dict[str, Any]]:
    """(challenge id, creation options) for a new passkey of `user`."""
    existing = await repository.credential_ids(session, user.id)
    options = generate_registration_options(
        rp_id=settings.webauthn_rp_id,
        rp_name=PLATFORM_NAME,
        # The account's id, not its name: the user handle is opaque and never changes.
        user_id=user.id.bytes,
        user_name=user.username,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=c) for c in existing],
    )
    challenge_id = await challenges.issue("register", options.challenge, user.id)
    return challenge_id, options_to_json_dict(options)


async def register(
    *,
    session: AsyncSession,
    settings: Settings,
    challenges: PasskeyChallenges,
    user: User,
    challenge_id: str,
    credential: dict[str, Any],
    name: str | None,
) -> Passkey:
    """Verify the authenticator's answer to the creation options and keep its public key."""
    challenge = await challenges.take("register", challenge_id)
    if challenge is None or challenge.user_id != user.id:
        raise InvalidRegistration(
            "Ask for new options: this challenge expired", code="invalid_challenge"
        )
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge.challenge,
            expected_rp_id=settings.webauthn_rp_id,
            expected_origin=settings.webauthn_origin,
        )
    except MALFORMED as exc:
        raise InvalidRegistration() from exc
    passkey = Passkey(
        user_id=user.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name or "Passkey",
    )
    try:
        # A savepoint: the unique credential id decides a race, as a 409, not a 500.
        async with session.begin_nested():
            await repository.add(session, passkey)
    except IntegrityError as exc:
        raise Conflict("This passkey is already registered", code="passkey_exists") from exc
    return passkey


async def login_options(
    *, settings: Settings, challenges: PasskeyChallenges
) -> tuple[str, dict[str, Any]]:
    """(challenge id, request options) for a sign-in by any passkey of this site."""
    # No allowCredentials: the authenticator offers the discoverable passkeys it holds.
    options = generate_authentication_options(
        rp_id=settings.webauthn_rp_id,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    challenge_id = await challenges.issue("login", options.challenge, None)
    return challenge_id, options_to_json_dict(options)


async def authenticate(
    *,
    session: AsyncSession,
    settings: Settings,
    challenges: PasskeyChallenges,
    challenge_id: str,
    credential: dict[str, Any],
) -> User:
    """The user whose passkey signed the challenge; its sign count and last use updated."""
    challenge = await challenges.take("login", challenge_id)
    if challenge is None:
        raise Unauthorized("Ask for new options: this challenge expired", code="invalid_challenge")
    try:
        parsed = parse_authentication_credential_json(credential)
    except MALFORMED as exc:
        raise _invalid_sign_in() from exc
    passkey = await repository.get_by_credential_for_update(session, parsed.raw_id)
    if passkey is None:
        raise _invalid_sign_in()
    handle = parsed.response.user_handle
    if handle is not None and handle != passkey.user_id.bytes:
        raise _invalid_sign_in()
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge.challenge,
            expected_rp_id=settings.webauthn_rp_id,
            expected_origin=settings.webauthn_origin,
            credential_public_key=passkey.public_key,
            # A count that did not grow means a cloned authenticator: refused.
            credential_current_sign_count=passkey.sign_count,
        )
    except MALFORMED as exc:
        raise _invalid_sign_in() from exc
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = datetime.now(UTC)
    user = await users_repository.get(session, passkey.user_id)
    if user is None:
        raise _invalid_sign_in()
    return user


async def list_passkeys(*, session: AsyncSession, user: User) -> list[Passkey]:
    """The user's passkeys, oldest first."""
    return await repository.list_for_user(session, user.id)


async def delete_passkey(*, session: AsyncSession, passkey: Passkey) -> None:
    """Forget a passkey: it signs in no more."""
    await repository.delete(session, passkey)
