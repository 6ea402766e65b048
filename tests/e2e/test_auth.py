"""Auth through the gateway, as a browser and an API client use it: password accounts and
rotating refresh tokens, sign-in with (fake) Kakao, Google and Meta, Instagram linking,
login throttling, and that no credential ever reaches a log or the database in clear.

The module's last test reads every process's log, so it must stay last.
"""

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, quote

import httpx
import pytest

from stack.platform import Stack
from tests.e2e.accounts import CREDENTIALS, PASSWORD, bearer, dump_database, register
from tests.fakes.oauth_providers import OAuthFakes, ProviderUser, browse, shop_owner

FRONTEND = "http://frontend.test"
# Every credential the tests handle; none may show up in a log.
SEEN = CREDENTIALS


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def browser(platform: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh browser: its own cookie jar, talking to the gateway and the providers."""
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as client:
        yield client


async def sign_in(browser: httpx.AsyncClient, provider: str, next_path: str = "/") -> httpx.URL:
    """The whole provider round trip; returns where the browser lands on the frontend."""
    url = f"/auth/{provider}/login?next={quote(next_path, safe='')}"
    return await browse(browser, url, stop_at=FRONTEND)


async def session_tokens(browser: httpx.AsyncClient) -> dict:
    """What the SPA does after the redirect: trade the refresh cookie for an access token."""
    response = await browser.post("/auth/refresh")
    assert response.status_code == 200, response.text
    body = response.json()
    SEEN.append(body["refresh_token"])
    return body


def error_of(landed: httpx.URL) -> str | None:
    return parse_qs(landed.query.decode()).get("error", [None])[0]


def provider_user(provider: str) -> ProviderUser:
    subject = str(secrets.randbelow(10**12)) if provider == "kakao" else unique(f"{provider}-")
    return ProviderUser(subject=subject, email=f"{unique('p')}@example.com", name="Min Ji")


async def test_password_account_with_rotating_refresh_tokens(gateway: httpx.AsyncClient):
    registered = await register(gateway)
    username = registered["user"]["username"]

    login = await gateway.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.text
    first = login.json()
    SEEN.append(first["refresh_token"])
    assert "HttpOnly" in login.headers["set-cookie"]
    assert "Path=/auth" in login.headers["set-cookie"]

    me = await gateway.get("/auth/me", headers=bearer(first["access_token"]))
    assert me.status_code == 200
    assert me.json()["username"] == username

    rotated = await gateway.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    second = rotated.json()
    SEEN.append(second["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]

    reused = await gateway.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "refresh_token_reused"
    # The thief's copy is useless, and so is the one the legitimate client holds.
    after = await gateway.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401

    relogin = await gateway.post("/auth/login", json={"username": username, "password": PASSWORD})
    third = relogin.json()
    SEEN.append(third["refresh_token"])
    logout = await gateway.post("/auth/logout", json={"refresh_token": third["refresh_token"]})
    assert logout.status_code == 204
    gone = await gateway.post("/auth/refresh", json={"refresh_token": third["refresh_token"]})
    assert gone.status_code == 401


@pytest.mark.parametrize("provider", ["kakao", "google", "meta"])
async def test_provider_sign_in_creates_then_reuses_one_account(
    provider: str, oauth_providers: OAuthFakes, platform: Stack
):
    fake = getattr(oauth_providers, provider)
    fake.user = provider_user(provider)
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as first_browser:
        landed = await sign_in(first_browser, provider, "/welcome?tab=1")
        assert str(landed) == f"{FRONTEND}/welcome?tab=1"
        tokens = await session_tokens(first_browser)
        me = (await first_browser.get("/auth/me", headers=bearer(tokens["access_token"]))).json()
        assert me["identities"] == [provider]
        assert me["email"] == fake.user.email

    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as second_browser:
        landed = await sign_in(second_browser, provider, "https://evil.example/steal")
        assert str(landed) == f"{FRONTEND}/"  # never an open redirect
        again = await session_tokens(second_browser)
        assert again["user"]["id"] == me["id"]

        # The provider is this account's only way in: it can't be removed.
        refused = await second_browser.delete(
            f"/auth/identities/{provider}", headers=bearer(again["access_token"])
        )
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "last_sign_in_method"


async def test_a_tampered_state_is_refused(oauth_providers: OAuthFakes, browser):
    oauth_providers.google.user = provider_user("google")
    start = await browser.get("/auth/google/login")
    consent = await browser.get(start.headers["location"])
    callback = httpx.URL(consent.headers["location"])
    tampered = callback.copy_set_param("state", callback.params["state"] + "x")
    refused = await browser.get(tampered)
    assert refused.status_code == 302
    assert error_of(httpx.URL(refused.headers["location"])) == "invalid_state"
    assert "set-cookie" not in refused.headers or "refresh_token" not in refused.headers.get(
        "set-cookie", ""
    )


async def test_an_id_token_with_the_wrong_nonce_is_refused(oauth_providers: OAuthFakes, browser):
    oauth_providers.google.user = provider_user("google")
    oauth_providers.google.wrong_nonce = True
    try:
        landed = await sign_in(browser, "google")
    finally:
        oauth_providers.google.wrong_nonce = False
    assert error_of(landed) == "invalid_provider_response"
    assert (await browser.post("/auth/refresh")).status_code == 401  # no session was made


async def test_denied_consent_returns_to_the_frontend_with_an_error(
    oauth_providers: OAuthFakes, browser
):
    oauth_providers.kakao.user = None
    landed = await sign_in(browser, "kakao", "/settings")
    assert landed.path == "/settings"
    assert error_of(landed) == "access_denied"


async def test_a_matching_email_never_merges_accounts(
    oauth_providers: OAuthFakes, gateway, browser
):
    existing = await register(gateway)
    oauth_providers.meta.user = ProviderUser(
        subject=unique("m"), email=existing["user"]["email"], name="Someone"
    )
    landed = await sign_in(browser, "meta")
    assert error_of(landed) == "account_exists"


async def test_a_signed_in_user_links_a_second_provider(oauth_providers: OAuthFakes, browser):
    account = await register(browser)  # the browser now holds the refresh cookie
    oauth_providers.kakao.user = provider_user("kakao")
    landed = await sign_in(browser, "kakao", "/linked")
    assert error_of(landed) is None
    tokens = await session_tokens(browser)
    assert tokens["user"]["id"] == account["user"]["id"]
    assert tokens["user"]["identities"] == ["kakao"]

    # With a password left, the Kakao identity can go.
    unlinked = await browser.delete(
        "/auth/identities/kakao", headers=bearer(tokens["access_token"])
    )
    assert unlinked.status_code == 200
    assert unlinked.json()["identities"] == []


async def test_repeated_bad_passwords_throttle_until_the_window_passes(gateway):
    username = (await register(gateway))["user"]["username"]
    for attempt in range(10):
        wrong = await gateway.post(
            "/auth/login", json={"username": username, "password": f"wrong-{attempt}-x"}
        )
        assert wrong.status_code == 401
        assert wrong.json()["error"]["message"] == "Wrong username or password"
    blocked = await gateway.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1

    async with asyncio.timeout(10):  # the e2e window is 3 s
        while True:
            ok = await gateway.post(
                "/auth/login", json={"username": username, "password": PASSWORD}
            )
            if ok.status_code != 429:
                break
            await asyncio.sleep(0.5)
    assert ok.status_code == 200
    SEEN.append(ok.json()["refresh_token"])


async def test_instagram_linking_keeps_the_meta_token_encrypted(
    oauth_providers: OAuthFakes, browser, platform: Stack
):
    gateway = browser  # the flow must finish in the browser that started it
    account = await register(gateway)
    ig_user_id = str(secrets.randbelow(10**15))
    oauth_providers.meta.user = shop_owner(
        ig_user_id, "myshop", profile_picture_url="https://scontent.example/pp.jpg"
    )
    auth = bearer(account["access_token"])
    start = await gateway.get("/oauth/instagram/start?next=/instagram", headers=auth)
    assert start.status_code == 302
    landed = await browse(browser, start.headers["location"], stop_at=FRONTEND)
    assert landed.path == "/instagram"
    assert parse_qs(landed.query.decode())["instagram"] == ["connected"]

    accounts = await gateway.get("/oauth/instagram/accounts", headers=auth)
    assert accounts.status_code == 200
    assert accounts.json() == [
        {
            "ig_user_id": ig_user_id,
            "ig_username": "myshop",
            "page_id": "1100",
            "page_name": "My Shop",
            "profile_picture_url": "https://scontent.example/pp.jpg",
            "linked": False,
        }
    ]
    linked = await gateway.post(
        "/oauth/instagram/link", json={"ig_user_id": ig_user_id}, headers=auth
    )
    assert linked.status_code == 200 and linked.json()["linked"] is True
    listed = (await gateway.get("/oauth/instagram/accounts", headers=auth)).json()
    assert listed[0]["linked"] is True
    foreign = await gateway.post("/oauth/instagram/link", json={"ig_user_id": "999"}, headers=auth)
    assert foreign.status_code == 404

    dump = await dump_database(platform.database_url("auth"))
    assert "EAAlong" not in dump and "EAAshort" not in dump
    for secret in oauth_providers.issued_secrets():
        assert secret not in dump


async def test_zz_no_credential_reached_any_log(oauth_providers: OAuthFakes, platform: Stack):
    """Runs last: every password, refresh token, provider code and token used above."""
    logs = {path.name: path.read_text() for path in (platform.dir / "logs").iterdir()}
    assert logs, "no logs were captured"
    secrets_used = SEEN + oauth_providers.issued_secrets()
    assert len(secrets_used) > 20
    for name, text in logs.items():
        leaked = [secret[:6] + "…" for secret in secrets_used if secret in text]
        assert not leaked, f"{name} contains credentials: {leaked}"
