"""Sign-in sessions: short-lived access JWTs and rotating refresh tokens.

A refresh token is 256 random bits, stored only as its SHA-256. Each use spends it and
issues the next one in the same family; presenting a spent one again means it was copied,
so the whole family is revoked, unless it is the same client retrying within a short grace
(its answer was lost on the way): that retry gets the same successor pair, kept encrypted.
"""

import hashlib
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from auth.config import Settings
from auth.crypto import InvalidToken, SecretBox
from auth.keys.service import Signer
from auth.sessions import repository
from auth.sessions.mfa_tokens import MfaRequired, MfaTokens
from auth.sessions.models import AppToken, RefreshToken
from auth.sessions.revocations import TokenRevoker
from auth.sessions.schemas import SessionRead
from auth.sessions.throttle import LoginThrottle
from auth.users import repository as users_repository
from auth.users.models import User
from auth.users.service import authenticate
from common.db import KeepsWrites
from common.errors import NotFound, Unauthorized
from common.ids import new_id

logger = logging.getLogger(__name__)

MAX_USER_AGENT = 400  # the column's length; longer ones are cut


@dataclass(frozen=True)
class IssuedTokens:
    user: User
    access_token: str
    refresh_token: str
    expires_in: int


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class RefreshTokenReused(Unauthorized, KeepsWrites):
    code = "refresh_token_reused"
    message = "Refresh token reused; the sessions from that sign-in are revoked"


def _invalid() -> Unauthorized:
    return Unauthorized("Invalid or expired refresh token", code="invalid_refresh_token")


async def issue_access_token(
    *,
    session: AsyncSession,
    signer: Signer,
    settings: Settings,
    user: User,
    session_id: uuid.UUID | None = None,
) -> str:
    """A signed access token for `user` (tests use it to mint tokens too); `session_id`,
    its refresh-token family, becomes `sid`: the device list's `current`, and what
    signing that device out revokes at every service."""
    now = datetime.now(UTC)
    claims = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "sub": str(user.id),
        "username": user.username,
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + settings.access_token_ttl_seconds,
        "jti": str(new_id()),
    }
    if session_id is not None:
        claims["sid"] = str(session_id)
    return await signer.sign(session=session, claims=claims)


# Mastodon's app tokens do not expire; ours last ten years, so that a revoked one's entry
# in the revocations (kept until its expiry) is dropped one day.
APP_TOKEN_LIFETIME = timedelta(days=3650)


@dataclass(frozen=True)
class IssuedAppToken:
    access_token: str
    token: AppToken


async def open_app_session(
    *,
    session: AsyncSession,
    signer: Signer,
    settings: Settings,
    app_id: uuid.UUID,
    client_id: str,
    scope: str,
    user: User | None,
) -> IssuedAppToken:
    """An app's access token: a JWT with its `scope`, for `user`, or for the app itself
    (client_credentials, `app_only`); its row is the session signing out ends."""
    now = datetime.now(UTC)
    token = AppToken(
        id=new_id(),
        app_id=app_id,
        user_id=user.id if user else None,
        scope=scope,
        token_hash=b"",
        expires_at=now + APP_TOKEN_LIFETIME,
    )
    claims: dict[str, object] = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        # An app-only token has no user: `sub` is the app's id and `app_only` says so.
        "sub": str(user.id if user else app_id),
        "username": user.username if user else "",
        "iat": int(now.timestamp()),
        "exp": int(token.expires_at.timestamp()),
        "jti": str(new_id()),
        "sid": str(token.id),
        "scope": scope,
        "client_id": client_id,
    }
    if user is None:
        claims["app_only"] = True
    access_token = await signer.sign(session=session, claims=claims)
    token.token_hash = _hash(access_token)
    await repository.add(session, token)
    return IssuedAppToken(access_token, token)


async def revoke_app_token(
    *, session: AsyncSession, revoker: TokenRevoker, access_token: str, app_id: uuid.UUID
) -> None:
    """Revoke an app's token (RFC 7009: a token unknown, or another app's, is no error)."""
    revoked = await repository.revoke_app_token(
        session, _hash(access_token), at=datetime.now(UTC), app_id=app_id
    )
    if revoked is not None:
        await revoker.after_commit(session, app_tokens=[revoked])


async def revoke_app_access(
    *, session: AsyncSession, revoker: TokenRevoker, user_id: uuid.UUID, app_id: uuid.UUID
) -> None:
    """Take back an app's access to the user's account (Settings → Authorized apps)."""
    revoked = await repository.revoke_user_app_tokens(
        session, user_id, at=datetime.now(UTC), app_id=app_id
    )
    await revoker.after_commit(session, app_tokens=revoked)


async def open_session(
    *,
    session: AsyncSession,
    signer: Signer,
    settings: Settings,
    user: User,
    family_id: uuid.UUID | None = None,
    user_agent: str | None = None,
) -> IssuedTokens:
    """Issue an access token and a refresh token (a new family, a sign-in, unless one is
    given); `user_agent` names the device in the list of sessions."""
    if family_id is None:
        user.signed_in_at = datetime.now(UTC)
    family_id = family_id or new_id()
    refresh_token = secrets.token_urlsafe(32)
    await repository.add(
        session,
        RefreshToken(
            family_id=family_id,
            user_id=user.id,
            token_hash=_hash(refresh_token),
            expires_at=datetime.now(UTC) + timedelta(days=settings.refresh_token_ttl_days),
            user_agent=user_agent[:MAX_USER_AGENT] if user_agent else None,
        ),
    )
    access_token = await issue_access_token(
        session=session, signer=signer, settings=settings, user=user, session_id=family_id
    )
    return IssuedTokens(user, access_token, refresh_token, settings.access_token_ttl_seconds)


async def log_in(
    *,
    session: AsyncSession,
    signer: Signer,
    settings: Settings,
    throttle: LoginThrottle,
    mfa_tokens: MfaTokens,
    login: str,
    password: str,
    ip: str,
    user_agent: str | None = None,
) -> IssuedTokens:
    """Open a session for a username or email and password, within the failed-login limits;
    MfaRequired, carrying the token of the second step, when the account has TOTP on."""
    await throttle.check(login=login, ip=ip)
    user = await authenticate(session=session, login=login, password=password)
    if user is None:
        await throttle.record_failure(login=login, ip=ip)
        # One message whether or not the account exists.
        raise Unauthorized("Wrong username or password", code="invalid_credentials")
    await throttle.reset_account(login=login)
    if user.mfa_enabled:
        raise MfaRequired(await mfa_tokens.issue(user.id))
    return await open_session(
        session=session, signer=signer, settings=settings, user=user, user_agent=user_agent
    )


async def refresh_session(
    *,
    session: AsyncSession,
    signer: Signer,
    settings: Settings,
    box: SecretBox,
    revoker: TokenRevoker,
    refresh_token: str,
    client: str,
    user_agent: str | None = None,
) -> IssuedTokens:
    """Spend a refresh token for a new pair. The same client retrying within the grace
    (its answer was lost) gets that same pair again; a reuse after the grace, or by
    another client, revokes the family."""
    now = datetime.now(UTC)
    token = await repository.get_by_hash_for_update(session, _hash(refresh_token))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise _invalid()
    user = await users_repository.get(session, token.user_id)
    if user is None:
        raise _invalid()
    if token.spent_at is not None:
        within_grace = now - token.spent_at <= timedelta(
            seconds=settings.refresh_reuse_grace_seconds
        )
        if within_grace and token.spent_by == _hash(client):
            return await _successor_again(
                session=session, box=box, settings=settings, token=token, user=user
            )
        await repository.revoke_family(session, token.family_id, at=now)
        await revoker.after_commit(session, session_ids=[token.family_id])
        logger.warning(
            "refresh token reused: family revoked",
            extra={"user_id": str(token.user_id), "family_id": str(token.family_id)},
        )
        # A KeepsWrites error: the revocation commits although the answer is a 401.
        raise RefreshTokenReused()
    issued = await open_session(
        session=session,
        signer=signer,
        settings=settings,
        user=user,
        family_id=token.family_id,
        user_agent=user_agent or token.user_agent,
    )
    # The grace runs from when the successor exists, not from when this request began.
    token.spent_at = datetime.now(UTC)
    token.spent_by = _hash(client)
    token.successor_sealed = box.encrypt(
        json.dumps({"access_token": issued.access_token, "refresh_token": issued.refresh_token})
    )
    return issued


async def _successor_again(
    *, session: AsyncSession, box: SecretBox, settings: Settings, token: RefreshToken, user: User
) -> IssuedTokens:
    """The pair this token was already exchanged for, while its refresh token is unused
    (the retry of a refresh whose answer never arrived); 401 once it has been used."""
    assert token.successor_sealed is not None and token.spent_at is not None
    try:
        pair = json.loads(box.decrypt(token.successor_sealed))
    except InvalidToken:
        # Sealed under a key since removed: the client signs in again.
        raise _invalid() from None
    successor = await repository.get_usable(
        session, _hash(pair["refresh_token"]), now=datetime.now(UTC)
    )
    if successor is None:
        # Two tabs, one of which already moved on: the session lives, this tab's try fails.
        raise Unauthorized("Refresh token already used", code="refresh_token_spent")
    age = int((datetime.now(UTC) - token.spent_at).total_seconds())
    return IssuedTokens(
        user,
        pair["access_token"],
        pair["refresh_token"],
        max(settings.access_token_ttl_seconds - age, 0),
    )


async def revoke_session(
    *, session: AsyncSession, revoker: TokenRevoker, refresh_token: str
) -> None:
    """Revoke the family of the presented refresh token (sign out on this device)."""
    token = await repository.get_by_hash_for_update(session, _hash(refresh_token))
    if token is not None:
        await repository.revoke_family(session, token.family_id, at=datetime.now(UTC))
        await revoker.after_commit(session, session_ids=[token.family_id])


async def revoke_all_sessions(
    *, session: AsyncSession, revoker: TokenRevoker, user_id: uuid.UUID
) -> None:
    """Revoke every refresh token of the user, and every access token at every service
    (sign out everywhere, a password reset, a deleted account)."""
    now = datetime.now(UTC)
    families = await repository.revoke_user(session, user_id, at=now)
    # Apps' tokens outlive the hour a `user:` entry is kept: each is revoked by name.
    app_tokens = await repository.revoke_user_app_tokens(session, user_id, at=now)
    await revoker.after_commit(
        session, user_id=user_id, session_ids=families, app_tokens=app_tokens
    )


async def revoke_other_sessions(
    *,
    session: AsyncSession,
    revoker: TokenRevoker,
    user_id: uuid.UUID,
    current: uuid.UUID | None,
) -> None:
    """Sign out every device but the one asking (its family `current`)."""
    families = await repository.revoke_user(
        session, user_id, at=datetime.now(UTC), except_family=current
    )
    await revoker.after_commit(session, session_ids=families)


async def list_sessions(
    *, session: AsyncSession, user_id: uuid.UUID, current: uuid.UUID | None
) -> list[SessionRead]:
    """The user's signed-in devices, the one asking marked `current`."""
    rows = await repository.live_families(session, user_id, now=datetime.now(UTC))
    return [
        SessionRead(
            id=family_id,
            created_at=created_at,
            last_used_at=last_used_at,
            user_agent=user_agent,
            current=family_id == current,
        )
        for family_id, created_at, last_used_at, user_agent in rows
    ]


async def end_session(
    *, session: AsyncSession, revoker: TokenRevoker, user_id: uuid.UUID, family_id: uuid.UUID
) -> None:
    """Sign one of the user's devices out (404 for a session that is not theirs)."""
    if not await repository.family_belongs_to(session, family_id, user_id):
        raise NotFound("No such session", code="session_not_found")
    await repository.revoke_family(session, family_id, at=datetime.now(UTC))
    await revoker.after_commit(session, session_ids=[family_id])


async def signed_in_user(*, session: AsyncSession, refresh_token: str) -> User | None:
    """The user a still-usable refresh token belongs to, without spending it."""
    token = await repository.get_usable(session, _hash(refresh_token), now=datetime.now(UTC))
    return await users_repository.get(session, token.user_id) if token else None
