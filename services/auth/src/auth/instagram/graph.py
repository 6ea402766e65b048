"""The few Meta Graph API calls auth makes. Tokens travel in headers or form bodies,
never in a URL (URLs get logged), so Graph's own `paging.next` links are not followed."""

from dataclasses import dataclass
from typing import Any

import httpx2

from auth.config import Settings
from common.errors import ApiError

PAGE_FIELDS = "id,name,instagram_business_account{id,username,profile_picture_url}"
MAX_PAGES = 10


@dataclass(frozen=True)
class LongLivedToken:
    access_token: str
    expires_in: int | None


@dataclass(frozen=True)
class InstagramPage:
    ig_user_id: str
    ig_username: str
    page_id: str
    page_name: str
    profile_picture_url: str | None


def _raise_for_graph(response: httpx2.Response) -> dict[str, Any]:
    if response.status_code == 200:
        result: dict[str, Any] = response.json()
        return result
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        # A proxy's HTML page or an empty body: still Meta failing, not our 500.
        error = {}
    if error.get("code") == 190:  # OAuthException: token expired or revoked
        raise ApiError(
            "The Meta connection expired; connect Instagram again",
            status=409,
            code="meta_reconnect_required",
        )
    raise ApiError("Meta did not answer as expected", status=502, code="provider_error")


async def _call(http: httpx2.AsyncClient, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = await http.request(method, url, **kwargs)
    except httpx2.HTTPError as exc:
        raise ApiError("Meta is unreachable", status=502, code="provider_unavailable") from exc
    return _raise_for_graph(response)


async def exchange_long_lived(
    http: httpx2.AsyncClient, settings: Settings, short_lived: str
) -> LongLivedToken:
    data = await _call(
        http,
        "POST",
        f"{settings.meta_graph_url}/oauth/access_token",
        data={
            "grant_type": "fb_exchange_token",
            "client_id": settings.meta_client_id,
            "client_secret": settings.meta_client_secret.get_secret_value(),
            "fb_exchange_token": short_lived,
        },
    )
    return LongLivedToken(data["access_token"], data.get("expires_in"))


async def me(http: httpx2.AsyncClient, settings: Settings, token: str) -> dict[str, Any]:
    return await _call(
        http,
        "GET",
        f"{settings.meta_graph_url}/me",
        params={"fields": "id,name"},
        headers={"Authorization": f"Bearer {token}"},
    )


async def instagram_pages(
    http: httpx2.AsyncClient, settings: Settings, token: str
) -> list[InstagramPage]:
    """The user's Pages that have an Instagram business account."""
    found: list[InstagramPage] = []
    params = {"fields": PAGE_FIELDS, "limit": "100"}
    for _ in range(MAX_PAGES):
        data = await _call(
            http,
            "GET",
            f"{settings.meta_graph_url}/me/accounts",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
        )
        for page in data.get("data", []):
            account = page.get("instagram_business_account")
            if account:
                found.append(
                    InstagramPage(
                        ig_user_id=str(account["id"]),
                        ig_username=account.get("username", ""),
                        page_id=str(page["id"]),
                        page_name=page.get("name", ""),
                        profile_picture_url=account.get("profile_picture_url"),
                    )
                )
        paging = data.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after")
        if not paging.get("next") or not after:
            break
        params = {**params, "after": after}
    return found
