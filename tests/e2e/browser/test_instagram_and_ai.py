"""Instagram business accounts (Meta's Graph API, behind the fake Meta) and the AI image
form (behind the fake AI service), in a real browser."""

import uuid

from playwright.sync_api import Page, expect

from tests.e2e.browser.app import assert_accessible, sign_up
from tests.fakes.ai_service import FakeAiService
from tests.fakes.oauth_providers import OAuthFakes, shop_owner


def test_connect_meta_then_link_and_unlink_a_business_account(
    page: Page, oauth_providers: OAuthFakes
):
    sign_up(page)
    shop = f"shop{uuid.uuid4().hex[:6]}"
    oauth_providers.meta.user = shop_owner(str(uuid.uuid4().int % 10**15), shop)
    page.get_by_role("link", name="Instagram accounts").click()
    page.get_by_role("button", name="Connect Meta").click()

    # Back from Meta: the one Page with an Instagram business account is listed.
    accounts = page.get_by_role("list", name="Instagram business accounts")
    expect(accounts.get_by_role("listitem")).to_have_count(1)
    account = accounts.get_by_role("listitem").filter(has_text=f"@{shop}")
    expect(account).to_contain_text("Page: My Shop · Not linked")
    assert_accessible(page)

    account.get_by_role("button", name=f"Link @{shop}").click()
    expect(account).to_contain_text("Page: My Shop · Linked")
    page.reload()
    account = page.get_by_role("listitem").filter(has_text=f"@{shop}")
    expect(account).to_contain_text("Page: My Shop · Linked")
    account.get_by_role("button", name=f"Unlink @{shop}").click()
    expect(account).to_contain_text("Page: My Shop · Not linked")


def test_an_ai_image_is_shown_and_a_placeholder_is_marked(page: Page, ai_service: FakeAiService):
    sign_up(page)
    page.get_by_role("link", name="AI image").click()
    page.get_by_label("Name", exact=True).fill("Jun")
    page.get_by_label("Gender").select_option("male")
    page.get_by_label("Feature").fill("curly hair")
    page.get_by_role("button", name="Generate").click()

    image = page.get_by_role("img", name="Generated image for Jun")
    expect(image).to_be_visible()
    # The browser decoded the picture the AI service drew (the fake's is 64 × 48).
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [64, 48]
    expect(page.get_by_text("Placeholder", exact=True)).to_have_count(0)
    assert_accessible(page)

    ai_service.mode = "down"
    try:
        page.get_by_role("button", name="Generate").click()
        expect(page.get_by_text("Placeholder", exact=True)).to_be_visible()
    finally:
        ai_service.mode = "ok"
    expect(page.get_by_text("The AI service did not answer")).to_be_visible()
    expect(page.get_by_role("img", name="Generated image for Jun")).to_be_visible()
