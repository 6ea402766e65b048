"""Accounts people can keep, in a real browser: a forgotten password reset by mail, the
email confirmed from its link (the banner goes), two-step verification enrolled from the
secret the page shows and then asked at sign-in (after a password or a provider), a
passkey made in Settings and used to sign in with no password (Chromium's virtual
authenticator, through the DevTools protocol's WebAuthn domain), the devices list, a
password and an email changed, mail in the language of the app; and these screens at 390
and 1280 px in three languages (axe, no overflow, screenshots with UPDATE_SCREENSHOTS=1).

The mail is what the stack's SMTP server received (tests/e2e/mailbox.py).
"""

import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, CDPSession, Page, expect

from stack.platform import Stack
from tests.e2e.accounts import PASSWORD
from tests.e2e.browser.app import (
    assert_accessible,
    check_screen,
    give_consent,
    go_to,
    korean_font_installed,
    sign_out,
    sign_up,
)
from tests.e2e.mailbox import first_link, text_part, wait_for_mail
from tests.fakes.oauth_providers import OAuthFakes, ProviderUser

NEW_PASSWORD = "a-New-passw0rd-for-19"
MAIL_TIMEOUT = 60.0
HANGUL = re.compile("[가-힣]")
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def mail_dir(web: Stack) -> Path:
    """Where the browser stack's SMTP server keeps what it received."""
    return web.mail_dir


@dataclass
class Authenticator:
    cdp: CDPSession
    id: str

    def credentials(self) -> list[dict]:
        return self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})["credentials"]


@pytest.fixture
def authenticator(page: Page) -> Iterator[Authenticator]:
    """A passkey authenticator built into this page's browser: it keeps discoverable
    credentials and verifies its user at once (no dialog), as a phone's fingerprint would."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    created = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    yield Authenticator(cdp, created["authenticatorId"])
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": created["authenticatorId"]})
    cdp.detach()


def open_security(page: Page) -> None:
    go_to(page, "Settings")
    page.get_by_role("link", name="Manage security").click()
    expect(page.get_by_role("heading", name="Security", level=1)).to_be_visible()


def link_from_mail(mail_dir: Path, to: str, path: str, since: float) -> str:
    """The newest link to `path` mailed to `to` since `since`, as a path of the web app."""
    message = wait_for_mail(mail_dir, to, since=since, timeout=MAIL_TIMEOUT)
    link = first_link(message)
    parts = urlsplit(link)
    assert parts.path == path, link
    return f"{parts.path}?{parts.query}"


def test_a_forgotten_password_is_reset_from_the_mailed_link(page: Page, mail_dir: Path):
    name = sign_up(page)
    email = f"{name}@example.com"
    sign_out(page)

    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email").fill(email)
    asked = time.time()
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("status")).to_contain_text(email)

    link = link_from_mail(mail_dir, email, "/reset-password", asked)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is changed")
    page.get_by_role("link", name="Sign in", exact=True).last.click()

    # The old password no longer opens the account, the new one does.
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("username or password is not right")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()

    # The link worked once.
    page.goto(link)
    page.get_by_label("New password").fill("yet-another-Passw0rd")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("alert")).to_contain_text("expired or was already used")
    expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()


def test_the_verify_banner_goes_once_the_mailed_link_is_followed(page: Page, mail_dir: Path):
    name = sign_up(page)
    email = f"{name}@example.com"
    banner = page.get_by_role("region", name="Email address not confirmed")
    expect(banner).to_contain_text(email)
    assert_accessible(page)

    # Resend spends the first link: the newest mail holds the one that works.
    resent = time.time()
    banner.get_by_role("button", name="Resend").click()
    expect(banner.get_by_role("status")).to_contain_text(f"Sent again to {email}")
    link = link_from_mail(mail_dir, email, "/verify-email", resent)

    page.goto(link)
    expect(page.get_by_role("status")).to_have_text("Your email address is confirmed. Thank you!")
    expect(banner).to_have_count(0)
    page.get_by_role("link", name="Continue to Photogram").click()
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    expect(banner).to_have_count(0)
    open_security(page)
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()


def test_two_step_verification_from_the_secret_the_page_shows(page: Page):
    name = sign_up(page)
    open_security(page)
    two_step = page.get_by_role("region", name="Two-step verification")
    expect(two_step.get_by_text("Off", exact=True)).to_be_visible()
    two_step.get_by_role("button", name="Set up").click()
    expect(two_step.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_accessible(page)

    # What a person types into an authenticator app: the setup key as shown.
    secret = re.sub(r"\s", "", two_step.get_by_label("Setup key").input_value())
    totp = pyotp.TOTP(secret)
    two_step.get_by_label("Code from the app").fill(totp.now())
    two_step.get_by_role("button", name="Turn on").click()

    codes = two_step.get_by_role("list", name="Your recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    recovery_codes = [code.strip() for code in codes.all_inner_texts()]
    with page.expect_download() as download:
        two_step.get_by_role("button", name="Download").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert all(code in saved for code in recovery_codes), saved
    assert_accessible(page)
    two_step.get_by_role("button", name="I have saved them").click()
    expect(two_step.get_by_text("On", exact=True)).to_be_visible()
    expect(codes).to_have_count(0)

    # Sign in again: the password, then a code. The code of the step the app shows next
    # (the server accepts one step either side, and each step once: the current one may
    # be the one that turned it on).
    sign_out(page)
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Authentication code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("code is not right")
    page.get_by_label("Authentication code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()

    # And with a recovery code instead, once.
    sign_out(page)
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Use a recovery code instead").click()
    page.get_by_label("Recovery code").fill(recovery_codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()

    # Off again, with another recovery code (as with a lost phone): the password alone
    # signs in.
    open_security(page)
    two_step.get_by_role("button", name="Turn off two-step verification").click()
    two_step.get_by_role("button", name="Use a recovery code instead").click()
    two_step.get_by_label("Recovery code").fill(recovery_codes[1].upper())
    two_step.get_by_role("button", name="Turn off two-step verification").click()
    expect(two_step.get_by_text("Off", exact=True)).to_be_visible()
    sign_out(page)
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Home")).to_be_visible()


def _turn_on_two_step(page: Page) -> pyotp.TOTP:
    """Two-step verification on, from Settings → Security: the app that reads the key."""
    open_security(page)
    two_step = page.get_by_role("region", name="Two-step verification")
    two_step.get_by_role("button", name="Set up").click()
    totp = pyotp.TOTP(re.sub(r"\s", "", two_step.get_by_label("Setup key").input_value()))
    two_step.get_by_label("Code from the app").fill(totp.now())
    two_step.get_by_role("button", name="Turn on").click()
    two_step.get_by_role("button", name="I have saved them").click()
    expect(two_step.get_by_text("On", exact=True)).to_be_visible()
    return totp


def test_a_provider_sign_in_asks_for_the_second_step_too(page: Page, oauth_providers: OAuthFakes):
    subject = f"m{uuid.uuid4().hex[:8]}"
    oauth_providers.meta.user = ProviderUser(subject, f"{subject}@meta.example", "Jun")
    page.goto("/signin")
    page.get_by_role("link", name="Continue with Meta").click()
    give_consent(page)
    # The provider vouched for the address: nothing to confirm.
    expect(page.get_by_role("region", name="Email address not confirmed")).to_have_count(0)
    totp = _turn_on_two_step(page)

    sign_out(page)
    page.get_by_role("link", name="Continue with Meta").click()
    # The callback sent the browser to /signin#mfa_token=...; the page keeps the token in
    # memory only and takes it out of the address bar.
    expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    assert "mfa_token" not in page.url
    page.get_by_label("Authentication code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    expect(page.get_by_role("link", name="Profile", exact=True)).to_be_visible()


def test_a_passkey_made_in_settings_signs_in_with_no_password(
    page: Page, authenticator: Authenticator
):
    name = sign_up(page)
    open_security(page)
    passkeys = page.get_by_role("region", name="Passkeys")
    expect(passkeys.get_by_text("No passkeys yet.")).to_be_visible()
    passkeys.get_by_label("Passkey name").fill("Work laptop")
    passkeys.get_by_role("button", name="Add a passkey").click()
    expect(passkeys.get_by_role("listitem").filter(has_text="Work laptop")).to_be_visible()
    assert_accessible(page)
    # The authenticator keeps it as a discoverable credential: sign-in names no account.
    assert [c["isResidentCredential"] for c in authenticator.credentials()] == [True]
    # A second one on the same authenticator: the browser refuses (the server listed the
    # first in excludeCredentials), and the page says why.
    passkeys.get_by_label("Passkey name").fill("Same laptop")
    passkeys.get_by_role("button", name="Add a passkey").click()
    expect(passkeys.get_by_role("alert")).to_have_text(
        "This device already holds a passkey for your account."
    )
    expect(passkeys.get_by_role("listitem")).to_have_count(1)

    sign_out(page)
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()
    expect(page.get_by_role("heading", name="Home")).to_be_visible()

    # Removed, it is gone from the list.
    open_security(page)
    expect(passkeys.get_by_role("listitem")).to_contain_text("used")
    passkeys.get_by_role("button", name="Remove Work laptop").click()
    expect(passkeys.get_by_text("No passkeys yet.")).to_be_visible()


def test_devices_password_and_email_changes(page: Page, web: Stack, mail_dir: Path):
    name = sign_up(page)
    # Another device: the same account signed in through the API.
    with httpx.Client(base_url=web.gateway_url, timeout=30) as other:
        signed_in = other.post(
            "/auth/login",
            json={"username": name, "password": PASSWORD},
            headers={"User-Agent": IPHONE},
        )
        assert signed_in.status_code == 200, signed_in.text
        refresh = signed_in.json()["refresh_token"]

        open_security(page)
        devices = page.get_by_role("list", name="Devices")
        expect(devices.get_by_role("listitem")).to_have_count(2)
        expect(devices.get_by_role("listitem").filter(has_text="This device")).to_contain_text(
            "Chrome on Linux"
        )
        page.get_by_role("button", name="Sign out Safari on iOS").click()
        expect(devices.get_by_role("listitem")).to_have_count(1)
        assert other.post("/auth/refresh", json={"refresh_token": refresh}).status_code == 401

    # A new password; this device stays signed in.
    form = page.get_by_role("form", name="Password")
    form.get_by_label("Current password").fill(PASSWORD)
    form.get_by_label("New password").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Change password").click()
    expect(form.get_by_role("status")).to_contain_text("Your password is changed")

    # A new email: it changes once the link mailed to it is followed.
    new_email = f"new-{name}@example.com"
    form = page.get_by_role("form", name="Change email")
    form.get_by_label("New email").fill(new_email)
    form.get_by_label("Password").fill(NEW_PASSWORD)
    asked = time.time()
    form.get_by_role("button", name="Change email").click()
    expect(form.get_by_role("status")).to_contain_text(new_email)
    page.goto(link_from_mail(mail_dir, new_email, "/verify-email", asked))
    expect(page.get_by_role("status")).to_have_text("Your email address is confirmed. Thank you!")
    open_security(page)
    expect(page.get_by_text(f"Your address: {new_email}")).to_be_visible()
    sign_out(page)
    page.get_by_label("Username or email").fill(new_email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()


# The new screens at a phone's width and a laptop's, in English, Korean and Spanish: axe,
# nothing wider than the window, and with UPDATE_SCREENSHOTS=1 their screenshots.
LANGUAGES = {
    "en": {
        "suffix": "",
        "locale": "en-US",
        "settings": "Settings",
        "more": "More",
        "manage": "Manage security",
        "security": "Security",
        "two_step": "Two-step verification",
        "set_up": "Set up",
        "cancel": "Cancel",
        "devices": "Devices",
        "language": "Language",
    },
    "ko": {
        "suffix": "-ko",
        "locale": "ko-KR",
        "settings": "설정",
        "more": "더보기",
        "manage": "보안 관리",
        "security": "보안",
        "two_step": "2단계 인증",
        "set_up": "설정하기",
        "cancel": "취소",
        "devices": "기기",
        "language": "언어",
    },
    "es": {
        "suffix": "-es",
        "locale": "es-ES",
        "settings": "Ajustes",
        "more": "Más",
        "manage": "Gestionar la seguridad",
        "security": "Seguridad",
        "two_step": "Verificación en dos pasos",
        "set_up": "Configurar",
        "cancel": "Cancelar",
        "devices": "Dispositivos",
        "language": "Idioma",
    },
}


def _signed_in_screens(page: Page, width: int, words: dict[str, str]) -> None:
    """Home with the verify banner, then Security: two-step setup with its QR code, and
    the passkeys and devices."""
    suffix = words["suffix"]
    go_to(page, words["settings"], more=words["more"])
    page.get_by_role("link", name=words["manage"]).click()
    expect(page.get_by_role("heading", name=words["security"], level=1)).to_be_visible()
    two_step = page.get_by_role("region", name=words["two_step"])
    two_step.get_by_role("button", name=words["set_up"]).click()
    expect(two_step.get_by_role("img")).to_be_visible()
    two_step.scroll_into_view_if_needed()
    check_screen(page, f"security{suffix}", width)
    two_step.get_by_role("button", name=words["cancel"]).click()
    page.get_by_role("region", name=words["devices"]).scroll_into_view_if_needed()
    check_screen(page, f"security-devices{suffix}", width)


@pytest.mark.parametrize("width", [390, 1280])
def test_security_screens_fit_and_pass_axe(
    page: Page, web: Stack, browser: Browser, authenticator: Authenticator, width: int
):
    if os.environ.get("UPDATE_SCREENSHOTS"):
        assert korean_font_installed(), "install fonts-noto-cjk before taking screenshots"
    size = {"width": width, "height": 844 if width == 390 else 860}
    page.set_viewport_size(size)
    name = sign_up(page)
    check_screen(page, "verify-banner", width)
    open_security(page)
    passkeys = page.get_by_role("region", name="Passkeys")
    passkeys.get_by_label("Passkey name").fill("Work laptop")
    passkeys.get_by_role("button", name="Add a passkey").click()
    expect(passkeys.get_by_role("listitem")).to_have_count(1)

    before = LANGUAGES["en"]
    for language, words in LANGUAGES.items():
        if language != "en":
            # Chosen in Settings, while the app still speaks the one before.
            go_to(page, before["settings"], more=before["more"])
            page.get_by_label(before["language"]).select_option(language)
            expect(page.get_by_role("heading", name=words["settings"], level=1)).to_be_visible()
        _signed_in_screens(page, width, words)
        # The screens reached from a mailed link or the sign-in page, signed out, in a
        # browser that asks for this language.
        context = browser.new_context(
            base_url=web.gateway_url, locale=words["locale"], viewport=size
        )
        try:
            other = context.new_page()
            other.goto("/forgot-password")
            check_screen(other, f"forgot-password{words['suffix']}", width)
            other.goto("/reset-password?token=from-the-mail")
            check_screen(other, f"reset-password{words['suffix']}", width)
            # A link already used: what it says, and how to get a new one.
            other.goto("/verify-email?token=already-used")
            expect(other.get_by_role("alert")).to_be_visible()
            check_screen(other, f"verify-email{words['suffix']}", width)
        finally:
            context.close()
        before = words

    # The sign-in's second step, and the recovery codes shown once.
    go_to(page, "Ajustes", more="Más")
    page.get_by_label("Idioma").select_option("en")
    open_security(page)
    two_step = page.get_by_role("region", name="Two-step verification")
    two_step.get_by_role("button", name="Set up").click()
    secret = re.sub(r"\s", "", two_step.get_by_label("Setup key").input_value())
    totp = pyotp.TOTP(secret)
    two_step.get_by_label("Code from the app").fill(totp.now())
    two_step.get_by_role("button", name="Turn on").click()
    expect(two_step.get_by_role("listitem")).to_have_count(10)
    two_step.scroll_into_view_if_needed()
    check_screen(page, "security-codes", width)
    two_step.get_by_role("button", name="I have saved them").click()
    sign_out(page)
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    check_screen(page, "sign-in-mfa", width)


@pytest.mark.browser_context_args(locale="ko-KR")
def test_a_korean_sign_up_is_mailed_in_korean(page: Page, mail_dir: Path):
    name = f"ko{uuid.uuid4().hex[:8]}"
    email = f"{name}@example.com"
    page.goto("/signup")
    page.get_by_label("사용자 이름").fill(name)
    page.get_by_label("이메일").fill(email)
    page.get_by_label("비밀번호").fill(PASSWORD)
    signed_up = time.time()
    page.get_by_role("button", name="계정 만들기").click()
    expect(page.get_by_role("heading", name="몇 가지 정보")).to_be_visible()
    banner = page.get_by_role("region", name="이메일 주소 미확인")
    expect(banner).to_contain_text(email)
    expect(banner.get_by_role("button", name="다시 보내기")).to_be_visible()

    message = wait_for_mail(mail_dir, email, since=signed_up, timeout=MAIL_TIMEOUT)
    assert HANGUL.search(str(message["Subject"])), message["Subject"]
    assert HANGUL.search(text_part(message))
