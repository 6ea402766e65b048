"""The code grant of the Mastodon client API through the web app's consent screen, in
Chromium: an app made with Mastodon.py sends the person to /oauth/authorize, they sign in,
see the app and its scopes, allow it, and the app gets its token (out of band, and by a
redirect with PKCE); Deny sends the app `access_denied`; Settings takes the access back."""

import base64
import hashlib
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from mastodon import Mastodon, MastodonUnauthorizedError
from playwright.sync_api import Page, Route, expect

from stack.platform import Stack
from tests.e2e.accounts import PASSWORD
from tests.e2e.browser.app import assert_accessible, give_consent, register_sync

SCOPES = ["read", "write", "follow"]
CALLBACK = "https://tooter.example/callback"


def signs_in_on_the_way(page: Page, username: str) -> None:
    """The consent screen needs a session: the sign-in form comes first (and, for a new
    account, its one-time details), then back."""
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    give_consent(page)


def test_an_app_is_authorized_on_the_consent_screen_and_taken_back_in_settings(
    page: Page, web: Stack
):
    base = web.gateway_url
    with httpx.Client(base_url=base, timeout=30) as client:
        user = register_sync(client)["user"]
    client_id, client_secret = Mastodon.create_app(
        "Consent Tooter",
        scopes=SCOPES,
        redirect_uris=["urn:ietf:wg:oauth:2.0:oob", CALLBACK],
        api_base_url=base,
    )
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)

    page.goto(api.auth_request_url(scopes=SCOPES, allow_http=True))
    signs_in_on_the_way(page, user["username"])
    expect(page.get_by_role("heading", name="Authorize an app")).to_be_visible()
    expect(page.get_by_text("Consent Tooter asks to use your account.")).to_be_visible()
    scopes = page.get_by_role("list", name="It asks for")
    expect(scopes.get_by_role("listitem")).to_have_text(SCOPES)
    assert_accessible(page)
    page.get_by_role("button", name="Allow").click()
    code = page.get_by_role("status", name="Authorization code").inner_text().strip()
    api.log_in(code=code, scopes=SCOPES, allow_http=True)
    assert api.account_verify_credentials()["username"] == user["username"]

    # By a redirect, with PKCE: the browser lands on the app's callback with code and state.
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    landed: list[str] = []

    def callback(route: Route) -> None:
        landed.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>Tooter</title>")

    page.route(f"{CALLBACK}**", callback)
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CALLBACK,
        "scope": "read",
        "state": "s-42",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page.goto(f"/oauth/authorize?{urlencode(query)}")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{CALLBACK}**")
    returned = parse_qs(urlsplit(landed[-1]).query)
    assert returned["state"] == ["s-42"]
    with httpx.Client(base_url=base, timeout=30) as client:
        granted = client.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": returned["code"][0],
                "redirect_uri": CALLBACK,
                "client_id": client_id,
                "client_secret": client_secret,
                "code_verifier": verifier,
            },
        )
    assert granted.status_code == 200, granted.text
    assert granted.json()["scope"] == "read"

    # Deny: the app hears access_denied.
    page.goto(f"/oauth/authorize?{urlencode(query | {'state': 's-43'})}")
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url(f"{CALLBACK}**")
    assert parse_qs(urlsplit(landed[-1]).query)["error"] == ["access_denied"]

    # Settings → Security lists the app; taking its access back ends its tokens.
    page.goto("/settings/security")
    apps = page.get_by_role("list", name="Authorized apps")
    expect(apps.get_by_role("listitem")).to_have_count(1)
    expect(apps).to_contain_text("Consent Tooter")
    assert_accessible(page)
    page.get_by_role("button", name="Revoke access of Consent Tooter").click()
    expect(page.get_by_text("No app is authorized.")).to_be_visible()

    def refused() -> bool:
        try:
            api.account_verify_credentials()
        except MastodonUnauthorizedError:
            return True
        return False

    # Polled with a deadline: the revocation reaches social through its followed stream.
    deadline = time.monotonic() + 10
    while not refused():
        assert time.monotonic() < deadline, "the revoked app's token still works"
        page.wait_for_timeout(100)
