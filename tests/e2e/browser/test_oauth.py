"""Sign-in with Google (oidc-provider-mock, a real OIDC server), Kakao and Meta (the
project's fakes), linking and unlinking in Settings, and ?error= codes as sentences."""

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.app import assert_accessible, give_consent, sign_out
from tests.e2e.browser.conftest import GOOGLE_USER
from tests.fakes.oauth_providers import OAuthFakes, ProviderUser


def continue_with_google(page: Page, subject: str = GOOGLE_USER.sub) -> None:
    """From a page showing "Continue with Google": through the provider's own page."""
    page.get_by_role("link", name="Continue with Google").click()
    if subject == GOOGLE_USER.sub:
        page.get_by_role("button", name=subject).click()
    else:
        page.get_by_placeholder("sub").fill(subject)
        page.get_by_role("button", name="Authorize").click()


def test_google_sign_in_opens_the_same_account_every_time(page: Page):
    page.goto("/signin")
    assert_accessible(page)
    continue_with_google(page)
    give_consent(page)
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    page.get_by_role("link", name="Settings").click()
    google = page.get_by_role("listitem").filter(has_text="Google")
    expect(google).to_contain_text("Linked")
    expect(page.get_by_text("ann.google@example.com")).to_be_visible()
    username = page.get_by_role("definition").first.inner_text()
    assert_accessible(page)
    # No password to type: Security offers to set one by email instead of asking for it.
    page.get_by_role("link", name="Manage security").click()
    expect(page.get_by_text("This account has no password yet")).to_be_visible()
    expect(page.get_by_role("link", name="Set a password by email")).to_have_attribute(
        "href", "/forgot-password"
    )
    expect(page.get_by_label("Current password")).to_have_count(0)

    sign_out(page)
    continue_with_google(page)
    expect(page.get_by_role("heading", name="Home")).to_be_visible()  # no consent again
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()


def test_kakao_account_links_google_and_only_then_may_unlink_kakao(
    page: Page, oauth_providers: OAuthFakes
):
    subject = str(uuid.uuid4().int % 10**12)  # Kakao ids are numbers
    oauth_providers.kakao.user = ProviderUser(subject, f"k{subject}@kakao.example", "Min")
    page.goto("/signin")
    page.get_by_role("link", name="Continue with Kakao").click()
    give_consent(page)
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("listitem").filter(has_text="Kakao")).to_contain_text("Linked")

    # The only way in cannot go: the server's reason is shown.
    page.get_by_role("button", name="Unlink Kakao").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Kakao")).to_contain_text("Linked")

    page.get_by_role("link", name="Link Google").click()
    page.get_by_placeholder("sub").fill(f"g-{subject}")
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("listitem").filter(has_text="Google")).to_contain_text("Linked")
    page.get_by_role("button", name="Unlink Kakao").click()
    expect(page.get_by_role("listitem").filter(has_text="Kakao")).to_contain_text("Not linked")


def test_meta_sign_in(page: Page, oauth_providers: OAuthFakes):
    subject = f"m{uuid.uuid4().hex[:8]}"
    oauth_providers.meta.user = ProviderUser(subject, f"{subject}@meta.example", "Jun")
    page.goto("/signin")
    page.get_by_role("link", name="Continue with Meta").click()
    give_consent(page)
    expect(page.get_by_role("heading", name="Home")).to_be_visible()


@pytest.mark.parametrize(
    ("case", "sentence"),
    [
        ("denied", "You cancelled the sign-in at the provider"),
        ("taken_email", "Sign in with your password, then link the provider in Settings"),
    ],
)
def test_a_failed_provider_sign_in_says_what_to_do(
    page: Page, oauth_providers: OAuthFakes, case: str, sentence: str
):
    if case == "denied":
        oauth_providers.kakao.user = None
    else:
        # Someone registered this email with a password; Kakao vouches for the same email.
        page.goto("/signup")
        name = f"e{uuid.uuid4().hex[:8]}"
        page.get_by_label("Username").fill(name)
        page.get_by_label("Email").fill(f"{name}@example.com")
        page.get_by_label("Password").fill("a-Long-passw0rd-x")
        page.get_by_role("button", name="Create account").click()
        give_consent(page)
        sign_out(page)
        kakao_id = str(uuid.uuid4().int % 10**12)
        oauth_providers.kakao.user = ProviderUser(kakao_id, f"{name}@example.com", "Twin")
    page.goto("/signin")
    page.get_by_role("link", name="Continue with Kakao").click()
    expect(page.get_by_role("alert")).to_contain_text(sentence)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
