"""The main flow with the keyboard only: every control reached with Tab, shown focused,
worked with Enter or Space."""

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.e2e.accounts import PASSWORD
from tests.e2e.browser.app import photo, sign_out, sign_up

# More than any screen has controls before the one a step wants.
MAX_TABS = 60


def tab_to(page: Page, target: Locator) -> Locator:
    """Presses Tab until `target` has the focus; each stop must show a focus ring."""
    expect(target).to_be_visible()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        tag = page.evaluate("document.activeElement.outerHTML.slice(0, 80)")
        assert outline != "none", f"no visible focus on {tag}"
        if target.evaluate("element => element === document.activeElement"):
            return target
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached {target}")


def test_sign_in_share_like_comment_and_sign_out_with_the_keyboard(page: Page, tmp_path: Path):
    name = sign_up(page, prefix="k")
    sign_out(page)

    tab_to(page, page.get_by_label("Username or email"))
    page.keyboard.type(name)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Home")).to_be_visible()

    tab_to(page, page.get_by_role("link", name="New post"))
    page.keyboard.press("Enter")
    # The file is picked in the system's dialog, outside the page: the page's part is that
    # the control takes the focus; the choice is handed to it as the dialog would.
    chooser = tab_to(page, page.get_by_label("Photo", exact=True))
    chooser.set_input_files(photo(tmp_path / "keys.jpg", color="olive"))
    tab_to(page, page.get_by_label("Caption"))
    page.keyboard.type("Typed, not clicked")
    tab_to(page, page.get_by_role("button", name="Share"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Comments")).to_be_visible()

    like = page.get_by_role("button", name="Like", exact=True)
    tab_to(page, like)
    page.keyboard.press("Space")
    expect(like).to_have_attribute("aria-pressed", "true")
    tab_to(page, page.get_by_label("Add a comment"))
    page.keyboard.type("Said with keys")
    tab_to(page, page.get_by_role("button", name="Post comment"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("article", name="Comment by")).to_contain_text("Said with keys")

    tab_to(page, page.get_by_role("link", name="Settings"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name="Sign out", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
