"""A fake instagram.com web API: profiles and follower/following lists, with injectable faults.

It speaks what instagram.com's own pages call, as the known scrapers see it:

    GET /api/v1/users/web_profile_info/?username=NAME   {"data": {"user": {...}}, "status": "ok"}
    GET /api/v1/users/{pk}/info/                         {"user": {...}, "status": "ok"}
    GET /api/v1/friendships/{pk}/followers/?count=&max_id=&search_surface=follow_list_page
    GET /api/v1/friendships/{pk}/following/?...          {"users": [...], "next_max_id", "big_list",
                                                          "page_size", "has_more",
                                                          "should_limit_list_of_followers", ...}

and checks what a real client sends: the X-IG-App-ID header, X-CSRFToken equal to the
csrftoken cookie, and a sessionid cookie it issued (`session_for`) with the matching
ds_user_id. Faults (`fake.faults`): 429 "Please wait" from request N for a while,
login_required (403 JSON or a 302 to /accounts/login/), checkpoint_required, slow or held
pages, a cursor that stops moving, and should_limit_list_of_followers. Private accounts refuse
their lists to viewers who don't follow them.

It runs on its own thread and event loop, so it answers whatever the test's loop is doing:

    fake = FakeInstagram().start()
    me = fake.add_account("me")
    fake.follow_graph(me, followers=3000, following=2500, mutual=1200)
    session_id, csrf = fake.session_for(me)
"""

import asyncio
import base64
import io
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from aiohttp import web
from PIL import Image

from tests.fakes.server import ThreadedFake

APP_ID = "936619743392459"


def _jpeg(size: tuple[int, int] = (150, 150)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, "JPEG")
    return out.getvalue()


PROFILE_PICTURE = _jpeg()
PLEASE_WAIT = {
    "message": "Please wait a few minutes before you try again.",
    "require_login": False,
    "status": "fail",
}


@dataclass
class FakeAccount:
    pk: str
    username: str
    full_name: str = ""
    is_private: bool = False
    is_verified: bool = False
    # Newest first, as Instagram lists them.
    followers: list[str] = field(default_factory=list)
    following: list[str] = field(default_factory=list)

    def user_json(self, base_url: str) -> dict[str, Any]:
        return {
            "pk": self.pk,
            "pk_id": self.pk,
            "id": self.pk,
            "username": self.username,
            "full_name": self.full_name,
            "is_private": self.is_private,
            "is_verified": self.is_verified,
            "profile_pic_id": f"{self.pk}_pic",
            "profile_pic_url": f"{base_url}/cdn/{self.pk}.jpg?stp=dst-jpg_s150x150",
            "has_anonymous_profile_picture": False,
            "latest_reel_media": 0,
        }


@dataclass
class Faults:
    # From this request number on, 429 "Please wait" for `rate_limit_seconds`.
    rate_limit_after: int | None = None
    rate_limit_seconds: float = 1.0
    # Sent as Retry-After with the 429 when set (Instagram itself rarely sends one).
    retry_after: int | None = None
    # From this request number on, the session is logged out.
    login_required_after: int | None = None
    # Logged out as a 302 to /accounts/login/ instead of a 403 JSON body.
    login_redirect: bool = False
    checkpoint_after: int | None = None
    # Every friendships page waits this long before answering.
    slow_seconds: float = 0.0
    # Every friendships page waits until this is set: analyses stay running on demand.
    hold_pages: threading.Event | None = None
    # After this many friendships pages, next_max_id repeats the cursor it was given.
    stuck_cursor_after_pages: int | None = None
    # The followers list says should_limit_list_of_followers and ends after one page.
    should_limit: bool = False


# The account whose cookies a request carried, set by the cookie check for the handlers.
VIEWER = web.RequestKey("viewer", FakeAccount)


class FakeInstagram(ThreadedFake):
    name = "instagram"

    def __init__(self, *, max_page_size: int = 200) -> None:
        super().__init__()
        self.max_page_size = max_page_size
        self.accounts: dict[str, FakeAccount] = {}
        self.by_username: dict[str, FakeAccount] = {}
        self.sessions: dict[str, str] = {}  # URL-decoded sessionid → viewer pk
        self.faults = Faults()
        self.requests = 0
        self.pages_served = 0
        self.pictures_served = 0
        self.pages_by_account: Counter[str] = Counter()
        # Requests refused for a missing/wrong header or cookie: a real client makes none.
        self.bad_requests: list[str] = []
        self._rate_limited_until = 0.0
        self._next_pk = 50_000_000_000

    # --- the graph --------------------------------------------------------------------

    def add_account(self, username: str | None = None, **fields: Any) -> FakeAccount:
        self._next_pk += 1
        pk = str(self._next_pk)
        account = FakeAccount(pk=pk, username=username or f"user_{pk}", **fields)
        account.full_name = account.full_name or account.username.title()
        self.accounts[pk] = account
        self.by_username[account.username] = account
        return account

    def new_users(self, n: int, prefix: str = "u") -> list[FakeAccount]:
        return [self.add_account(f"{prefix}{self._next_pk + 1}") for _ in range(n)]

    def follow_graph(
        self, account: FakeAccount, *, followers: int, following: int, mutual: int
    ) -> None:
        """Give `account` this many followers and followings, `mutual` of them on both."""
        both = self.new_users(mutual, "m")
        account.followers = [u.pk for u in both + self.new_users(followers - mutual, "f")]
        account.following = [u.pk for u in both + self.new_users(following - mutual, "g")]

    def session_for(self, account: FakeAccount) -> tuple[str, str]:
        """A sessionid cookie (URL-encoded, as the browser holds it) and a csrftoken."""
        session_id = f"{account.pk}:{secrets.token_urlsafe(12)}:{secrets.randbelow(30)}:" + (
            "AY" + secrets.token_urlsafe(40)
        )
        self.sessions[session_id] = account.pk
        return quote(session_id, safe=""), secrets.token_hex(16)

    # --- the server ---------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.middlewares.append(self._client_checks)
        app.router.add_get("/api/v1/users/web_profile_info/", self.web_profile_info)
        app.router.add_get("/api/v1/users/{pk}/info/", self.user_info)
        app.router.add_get("/api/v1/friendships/{pk}/{direction}/", self.friendships)
        app.router.add_get("/cdn/{name}", self.profile_picture)

    @web.middleware
    async def _client_checks(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/cdn/"):
            return await handler(
                request
            )  # the CDN wants no session, like scontent.cdninstagram.com
        self.requests += 1
        n = self.requests
        if request.headers.get("X-IG-App-ID") != APP_ID:
            self.bad_requests.append("X-IG-App-ID")
            return web.json_response(
                {"message": "useragent mismatch", "status": "fail"}, status=400
            )
        csrf = request.cookies.get("csrftoken")
        if not csrf or request.headers.get("X-CSRFToken") != csrf:
            self.bad_requests.append("X-CSRFToken")
            return web.json_response(
                {"message": "CSRF token missing or incorrect", "status": "fail"}, status=403
            )
        viewer = self.sessions.get(unquote(request.cookies.get("sessionid", "")))
        if viewer is None or request.cookies.get("ds_user_id") != viewer:
            self.bad_requests.append("sessionid")
            return self._logged_out()
        f = self.faults
        if f.login_required_after is not None and n >= f.login_required_after:
            return self._logged_out()
        if f.checkpoint_after is not None and n >= f.checkpoint_after:
            return web.json_response(
                {
                    "message": "checkpoint_required",
                    "checkpoint_url": "https://www.instagram.com/challenge/?next=/api/v1/",
                    "lock": False,
                    "flow_render_type": 0,
                    "status": "fail",
                },
                status=400,
            )
        if f.rate_limit_after is not None and n >= f.rate_limit_after:
            if not self._rate_limited_until:
                self._rate_limited_until = time.monotonic() + f.rate_limit_seconds
            if time.monotonic() < self._rate_limited_until:
                headers = {"Retry-After": str(f.retry_after)} if f.retry_after else None
                return web.json_response(PLEASE_WAIT, status=429, headers=headers)
        request[VIEWER] = viewer
        return await handler(request)

    def _logged_out(self) -> web.Response:
        if self.faults.login_redirect:
            raise web.HTTPFound("/accounts/login/?next=%2Fapi%2Fv1%2F")
        return web.json_response(
            {"message": "login_required", "logout_reason": 2, "status": "fail"}, status=403
        )

    async def profile_picture(self, request: web.Request) -> web.Response:
        self.pictures_served += 1
        return web.Response(body=PROFILE_PICTURE, content_type="image/jpeg")

    def _visible_to(self, account: FakeAccount, viewer: str) -> bool:
        return not account.is_private or account.pk == viewer or viewer in account.followers

    async def web_profile_info(self, request: web.Request) -> web.Response:
        account = self.by_username.get(request.query.get("username", ""))
        if account is None:
            return web.json_response({"data": {"user": None}, "status": "ok"}, status=404)
        viewer = request[VIEWER]
        user = account.user_json(self.url) | {
            "edge_followed_by": {"count": len(account.followers)},
            "edge_follow": {"count": len(account.following)},
            "followed_by_viewer": viewer in account.followers,
            "follows_viewer": viewer in account.following,
            "biography": "",
        }
        return web.json_response({"data": {"user": user}, "status": "ok"})

    async def user_info(self, request: web.Request) -> web.Response:
        account = self.accounts.get(request.match_info["pk"])
        if account is None:
            return web.json_response({"message": "User not found", "status": "fail"}, status=404)
        user = account.user_json(self.url) | {
            "follower_count": len(account.followers),
            "following_count": len(account.following),
        }
        return web.json_response({"user": user, "status": "ok"})

    async def friendships(self, request: web.Request) -> web.Response:
        account = self.accounts.get(request.match_info["pk"])
        direction = request.match_info["direction"]
        if account is None or direction not in ("followers", "following"):
            return web.json_response({"message": "User not found", "status": "fail"}, status=404)
        if not self._visible_to(account, request[VIEWER]):
            return web.json_response(
                {"message": "Not authorized to view user", "status": "fail"}, status=400
            )
        if self.faults.slow_seconds:
            await asyncio.sleep(self.faults.slow_seconds)
        if self.faults.hold_pages is not None:
            # A bounded wait off the loop: a test that never releases it fails, not hangs.
            await asyncio.to_thread(self.faults.hold_pages.wait, 30)
        count = min(int(request.query.get("count", "12")), self.max_page_size)
        max_id = request.query.get("max_id")
        followers = direction == "followers"
        offset = _decode_cursor(max_id, followers) if max_id else 0
        pks = account.followers if followers else account.following
        page = pks[offset : offset + count]
        end = offset + len(page)
        self.pages_served += 1
        self.pages_by_account[account.pk] += 1
        next_max_id = _encode_cursor(end, followers) if end < len(pks) else None
        stuck = self.faults.stuck_cursor_after_pages
        if stuck is not None and self.pages_served > stuck and max_id:
            next_max_id = max_id
        limited = followers and self.faults.should_limit
        if limited:
            next_max_id = None
        body: dict[str, Any] = {
            "users": [self.accounts[pk].user_json(self.url) for pk in page],
            "big_list": next_max_id is not None,
            "page_size": count,
            "has_more": next_max_id is not None,
            "should_limit_list_of_followers": limited,
            "use_clickable_see_more": False,
            "show_spam_follow_request_tab": False,
            "status": "ok",
        }
        if next_max_id is not None:
            body["next_max_id"] = next_max_id
        return web.json_response(body)


def _encode_cursor(offset: int, followers: bool) -> str:
    # Followers cursors are opaque base64 blobs; following cursors are plain offsets.
    if not followers:
        return str(offset)
    return base64.urlsafe_b64encode(f'{{"offset":{offset}}}'.encode()).decode()


def _decode_cursor(cursor: str, followers: bool) -> int:
    if not followers:
        return int(cursor)
    return int(base64.urlsafe_b64decode(cursor).decode().split(":")[1].rstrip("}"))
