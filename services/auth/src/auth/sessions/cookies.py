"""The refresh cookie: HttpOnly (no script reads it), SameSite=Lax, sent only to /auth."""

from fastapi import Response

from auth.config import Settings
from auth.sessions.schemas import TokenRead
from auth.sessions.service import IssuedTokens
from auth.users.schemas import read_user

REFRESH_COOKIE = "refresh_token"
COOKIE_PATH = "/auth"


def set_refresh_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        REFRESH_COOKIE,
        token,
        max_age=settings.refresh_token_ttl_days * 86400,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def clear_refresh_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        REFRESH_COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def token_response(response: Response, issued: IssuedTokens, settings: Settings) -> TokenRead:
    """The token body, with the refresh token also set as the cookie."""
    set_refresh_cookie(response, issued.refresh_token, settings)
    return TokenRead(
        user=read_user(issued.user),
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
    )
