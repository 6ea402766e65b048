"""Signing up, in and out with a password, in a real browser."""

import uuid

from playwright.sync_api import Page, expect

from tests.e2e.accounts import PASSWORD
from tests.e2e.browser.app import assert_accessible, give_consent, sign_in, sign_out, sign_up


def test_a_newcomer_signs_up_signs_out_and_signs_back_in(page: Page):
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Create an account").click()
    assert_accessible(page)

    name = sign_up(page)
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()
    page.get_by_role("link", name="Settings").click()
    assert_accessible(page)

    sign_out(page)
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill("not-the-password-1")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("username or password is not right")

    sign_in(page, f"{name}@example.com")
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    # The session survives a reload: the refresh cookie brings a new access token.
    page.reload()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()


def test_the_consent_step_shows_the_servers_validation_message(page: Page):
    name = "c" + uuid.uuid4().hex[:8]
    page.goto("/signup")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="A few details")).to_be_visible()
    assert_accessible(page)
    # Home is not reachable before the step is done.
    page.get_by_role("link", name="Explore").click()
    expect(page.get_by_role("heading", name="A few details")).to_be_visible()
    page.get_by_label("Birthday").fill("2999-01-01")
    page.get_by_label("Gender").select_option("male")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("birthday")
    give_consent(page)
    expect(page.get_by_role("heading", name="Explore")).to_be_visible()


def test_sign_up_shows_the_servers_reason(page: Page):
    name = sign_up(page)
    sign_out(page)
    page.goto("/signup")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Email").fill(f"other-{name}@example.com")
    page.get_by_label("Password").fill("a-Long-passw0rd-x")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value(name)
