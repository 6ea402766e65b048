"""The Instagram web API as instagram.com's own pages call it: profiles and follow lists."""

from dataclasses import dataclass
from typing import Any, Literal

import httpx

from igscraper.credentials.service import InstagramCredentials
from igscraper.instagram.exceptions import (
    Checkpoint,
    InstagramUnavailable,
    PrivateAccount,
    RateLimited,
    SessionInvalid,
    UserNotFound,
)

USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)

Direction = Literal["followers", "following"]


@dataclass(frozen=True)
class Profile:
    id: str
    username: str
    is_private: bool
    followed_by_viewer: bool
    followers_count: int | None
    following_count: int | None


@dataclass(frozen=True)
class InstagramUser:
    id: str
    username: str
    full_name: str
    is_private: bool
    is_verified: bool
    profile_pic_url: str | None


@dataclass(frozen=True)
class Page:
    users: list[InstagramUser]
    next_max_id: str | None
    # Instagram shows only part of this list to this viewer: never a complete result.
    should_limit: bool


class InstagramClient:
    """One viewer's session over a shared HTTP connection pool (cookies per request)."""

    def __init__(
        self, http: httpx.AsyncClient, credentials: InstagramCredentials, *, app_id: str
    ) -> None:
        self.http = http
        self.headers = {
            "X-IG-App-ID": app_id,
            "X-CSRFToken": credentials.csrf_token,
            "X-Requested-With": "XMLHttpRequest",
            "User-Agent": USER_AGENT,
            "Referer": f"{http.base_url}/",
            # A header, not httpx's cookie jar: the client is shared by every analysis.
            "Cookie": "; ".join(
                [
                    f"sessionid={_cookie_quote(credentials.session_id)}",
                    f"csrftoken={credentials.csrf_token}",
                    f"ds_user_id={credentials.viewer_id}",
                ]
            ),
        }

    async def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self.http.get(path, params=params, headers=self.headers)
        except httpx.HTTPError as exc:
            raise InstagramUnavailable(type(exc).__name__) from exc
        return _read(response)

    async def fetch_profile(self, username: str) -> Profile:
        """web_profile_info: id, privacy and counts of the account named `username`."""
        body = await self._get("/api/v1/users/web_profile_info/", {"username": username})
        user = (body.get("data") or {}).get("user")
        if not user:
            raise UserNotFound()
        return Profile(
            id=str(user["id"]),
            username=user["username"],
            is_private=bool(user.get("is_private")),
            followed_by_viewer=bool(user.get("followed_by_viewer")),
            followers_count=(user.get("edge_followed_by") or {}).get("count"),
            following_count=(user.get("edge_follow") or {}).get("count"),
        )

    async def fetch_own_profile(self, user_id: str) -> Profile:
        """users/{id}/info: the session's own account, when no username was given."""
        user = (await self._get(f"/api/v1/users/{user_id}/info/", {})).get("user")
        if not user:
            raise UserNotFound()
        return Profile(
            id=str(user.get("pk") or user.get("pk_id") or user_id),
            username=user["username"],
            is_private=bool(user.get("is_private")),
            followed_by_viewer=True,  # one's own list is always visible
            followers_count=user.get("follower_count"),
            following_count=user.get("following_count"),
        )

    async def fetch_page(
        self, user_id: str, direction: Direction, *, max_id: str | None, count: int
    ) -> Page:
        """One page of followers or following, from `max_id` (None = the first page)."""
        params: dict[str, Any] = {"count": count, "search_surface": "follow_list_page"}
        if max_id is not None:
            params["max_id"] = max_id
        body = await self._get(f"/api/v1/friendships/{user_id}/{direction}/", params)
        users = [
            InstagramUser(
                id=str(u.get("pk") or u.get("pk_id") or u["id"]),
                username=u["username"],
                full_name=u.get("full_name") or "",
                is_private=bool(u.get("is_private")),
                is_verified=bool(u.get("is_verified")),
                profile_pic_url=u.get("profile_pic_url"),
            )
            for u in body.get("users") or []
        ]
        next_max_id = body.get("next_max_id")
        return Page(
            users=users,
            next_max_id=str(next_max_id) if next_max_id not in (None, "") else None,
            should_limit=bool(body.get("should_limit_list_of_followers")),
        )


def _cookie_quote(value: str) -> str:
    # Instagram sets sessionid URL-encoded (":" as %3A); send it back the same way.
    return value.replace("%", "%25").replace(":", "%3A")


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _read(response: httpx.Response) -> dict[str, Any]:
    """The body of a good answer, or the exception that says what Instagram meant."""
    if response.is_redirect:
        location = response.headers.get("location", "")
        if "/challenge" in location:
            raise Checkpoint()
        raise SessionInvalid()  # a 302 to /accounts/login/
    if response.status_code >= 500:
        raise InstagramUnavailable(f"HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError as exc:
        raise InstagramUnavailable("not JSON") from exc
    message = str(body.get("message") or "") if isinstance(body, dict) else ""
    if response.status_code == 429 or "please wait" in message.lower():
        raise RateLimited(_retry_after(response))
    if message == "feedback_required":
        # Instagram's temporary action block: the same medicine as a 429.
        raise RateLimited(_retry_after(response))
    if message == "login_required" or body.get("require_login"):
        raise SessionInvalid()
    if message in ("checkpoint_required", "challenge_required"):
        raise Checkpoint()
    if message == "Not authorized to view user":
        raise PrivateAccount()
    if response.status_code == 404:
        raise UserNotFound()
    if response.status_code in (401, 403):
        raise SessionInvalid()
    if response.status_code >= 400 or not isinstance(body, dict):
        raise InstagramUnavailable(f"HTTP {response.status_code}")
    return body
