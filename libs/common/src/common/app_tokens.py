"""Tokens of third-party apps (the Mastodon client API): their scopes, and the dependency
that admits them on that API's routes only.

An app token is an access JWT from auth like a session's, signed by the same keys and
checked by the same `TokenVerifier` (no round trip), with a `scope` claim and its own
`sid` (the `app_token` row) that revocations name. The platform's own routes
(`CurrentUser`) refuse it, so an app granted `read` cannot change a password or delete the
account; the Mastodon routes ask for the scope they need with `app_scope("write:statuses")`.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from common.errors import ApiError, Unauthorized
from common.openapi import optional_auth, raises
from common.tokens import Principal, bearer_scheme

# Mastodon's scopes: the four top-level ones and the parts each covers.
SCOPE_PARTS: dict[str, tuple[str, ...]] = {
    "read": (
        "accounts",
        "blocks",
        "bookmarks",
        "favourites",
        "filters",
        "follows",
        "lists",
        "mutes",
        "notifications",
        "search",
        "statuses",
    ),
    "write": (
        "accounts",
        "blocks",
        "bookmarks",
        "conversations",
        "favourites",
        "filters",
        "follows",
        "lists",
        "media",
        "mutes",
        "notifications",
        "reports",
        "statuses",
    ),
    "push": (),
}
# `follow` is Mastodon's legacy scope for relationships; `profile` reads only the user.
LEGACY_FOLLOW = (
    "read:follows",
    "write:follows",
    "read:blocks",
    "write:blocks",
    "read:mutes",
    "write:mutes",
)
SUPPORTED_SCOPES: tuple[str, ...] = (
    "read", "write", "follow", "push", "profile",
    *(f"{top}:{part}" for top, parts in SCOPE_PARTS.items() for part in parts),
)  # fmt: skip


def covers(granted: frozenset[str], needed: str) -> bool:
    """Whether a token granted `granted` may do what needs `needed` (`write:statuses` is
    covered by itself or by `write`; `read:accounts` also by `profile` for the caller)."""
    if needed in granted:
        return True
    top = needed.split(":", 1)[0]
    if top in granted and ":" in needed:
        return True
    return "follow" in granted and needed in LEGACY_FOLLOW


def token_scopes(claims: dict[str, Any]) -> frozenset[str] | None:
    """The scopes of an app token; None for a session's token, which carries none."""
    scope = claims.get("scope")
    return None if scope is None else frozenset(str(scope).split())


class OutsideScopes(ApiError):
    status, code = 403, "outside_scopes"
    message = "This action is outside the authorized scopes"


class NoUserToken(ApiError):
    status, code = 422, "no_user"
    message = "This method requires an authenticated user"


def app_scope(
    needed: str | None, *, user: bool = True
) -> Callable[[Request, str | None], Awaitable[Principal]]:
    """A dependency admitting an app token that covers `needed` (any app token for None;
    401 without one, 403 outside its scopes); with `user`, not a client_credentials token
    (422, as Mastodon answers)."""

    async def dependency(
        request: Request, token: Annotated[str | None, Depends(bearer_scheme)]
    ) -> Principal:
        if token is None:
            raise Unauthorized("The access token is invalid", code="invalid_token")
        principal: Principal = await request.app.state.token_verifier.verify(token)
        scopes = token_scopes(principal.claims)
        if scopes is None:
            raise Unauthorized("Not an app token", code="invalid_token")
        if needed is not None and not covers(scopes, needed):
            raise OutsideScopes()
        if user and principal.claims.get("app_only"):
            raise NoUserToken()
        request.state.user_id = str(principal.id)  # for the access log
        return principal

    return raises(Unauthorized, OutsideScopes, *([NoUserToken] if user else []))(dependency)


def optional_app_scope(
    needed: str,
) -> Callable[[Request, str | None], Awaitable[Principal | None]]:
    """As `app_scope`, for public methods: no token is an anonymous caller."""
    required = app_scope(needed, user=False)

    async def dependency(
        request: Request, token: Annotated[str | None, Depends(bearer_scheme)]
    ) -> Principal | None:
        if token is None:
            return None
        principal = await required(request, token)
        return None if principal.claims.get("app_only") else principal

    return optional_auth(raises(Unauthorized, OutsideScopes)(dependency))
