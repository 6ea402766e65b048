"""Every main screen at a phone's width (390 px) and a laptop's (1280 px): no serious or
critical axe-core violation, nothing wider than the window. With UPDATE_SCREENSHOTS=1 the
screenshots in docs/screenshots/ are taken anew."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.app import assert_accessible, photo, share_photo, sign_up

DOCS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
# Reached from the navigation by these link names.
SCREENS = {
    "home": "Home",
    "explore": "Explore",
    "new-post": "New post",
    "people": "People",
    "notifications": "Notifications",
    "profile": "Profile",
    "media": "Media",
    "analyses": "Analyses",
    "settings": "Settings",
}


def check(page: Page, name: str, width: int) -> None:
    expect(page.get_by_role("heading", level=1).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow}px wider than the {width}px window"
    if os.environ.get("UPDATE_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=DOCS / f"{name}-{width}.png")


@pytest.mark.parametrize("width", [390, 1280])
def test_every_screen_fits_and_passes_axe(page: Page, tmp_path: Path, width: int):
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 860})
    page.goto("/signin")
    check(page, "sign-in", width)
    sign_up(page)
    harbour = photo(tmp_path / "harbour.jpg", size=(1200, 800), color="steelblue")
    share_photo(page, harbour, "Harbour at dusk")
    check(page, "post", width)
    for name, link in SCREENS.items():
        page.get_by_role("link", name=link, exact=True).click()
        check(page, name, width)
