"""Every main screen at a phone's width (390 px) and a laptop's (1280 px), in English and in
Korean: no serious or critical axe-core violation, nothing wider than the window. With
UPDATE_SCREENSHOTS=1 the screenshots in docs/screenshots/ are taken anew."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.app import assert_accessible, go_to, photo, share_photo, sign_up

DOCS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
# Reached from the navigation by these link names, in English and in Korean.
SCREENS = {
    "home": ("Home", "홈"),
    "explore": ("Explore", "탐색"),
    "new-post": ("New post", "새 게시물"),
    "people": ("People", "사람 찾기"),
    "notifications": ("Notifications", "알림"),
    "profile": ("Profile", "프로필"),
    "media": ("Media", "미디어"),
    "analyses": ("Analyses", "분석"),
    "settings": ("Settings", "설정"),
}
TAB_BAR = ("Home", "Explore", "New post", "Notifications", "Profile")


def check(page: Page, name: str, width: int) -> None:
    expect(page.get_by_role("heading", level=1).first).to_be_visible()
    # The window's title names the screen.
    page.wait_for_function(
        "document.title === `${document.querySelector('h1').textContent.trim()} · Photogram`"
    )
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow}px wider than the {width}px window"
    if os.environ.get("UPDATE_SCREENSHOTS"):
        # Photos in the window drawn first (they load lazily, after the network went idle).
        page.wait_for_function(
            "[...document.images].map(i => [i, i.getBoundingClientRect()])"
            ".filter(([, r]) => r.width > 0 && r.top < innerHeight && r.bottom > 0)"
            ".every(([i]) => i.complete && i.naturalWidth > 0)"
        )
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=DOCS / f"{name}-{width}.png")


def korean_font_installed() -> bool:
    """Whether Chromium has a font for Hangul (Debian's fonts-noto-cjk): without one a
    Korean screenshot shows empty boxes."""
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True, text=True)
    return bool(found.stdout.strip())


@pytest.mark.parametrize("width", [390, 1280])
def test_every_screen_fits_and_passes_axe(page: Page, tmp_path: Path, width: int):
    if os.environ.get("UPDATE_SCREENSHOTS"):
        assert korean_font_installed(), "install fonts-noto-cjk before taking screenshots"
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 860})
    page.goto("/signin")
    check(page, "sign-in", width)
    sign_up(page)
    harbour = photo(tmp_path / "harbour.jpg", size=(1200, 800), color="steelblue")
    share_photo(page, harbour, "Harbour at dusk")
    check(page, "post", width)
    nav = page.get_by_role("navigation")
    if width == 390:
        # A phone shows five destinations; the rest wait behind More, account actions in
        # Settings.
        for name in TAB_BAR:
            expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
        expect(nav.get_by_role("link", name="Settings")).to_be_hidden()
        expect(page.get_by_role("button", name="Sign out everywhere")).to_have_count(0)
        more = page.get_by_role("button", name="More", exact=True)
        more.click()
        expect(more).to_have_attribute("aria-expanded", "true")
        expect(nav.get_by_role("link", name="Settings")).to_be_visible()
        check(page, "menu", width)
        page.keyboard.press("Escape")
        expect(nav.get_by_role("link", name="Settings")).to_be_hidden()
    for name, (link, _) in SCREENS.items():
        go_to(page, link)
        check(page, name, width)
        # The navigation marks this screen's destination (behind More on a phone), and only it.
        current = nav.get_by_role("link", include_hidden=True).evaluate_all(
            "links => links.filter(l => l.getAttribute('aria-current') === 'page')"
            ".map(l => l.textContent.trim())"
        )
        assert current == [link], f"{name}: {current}"

    # The same screens in Korean, chosen in Settings.
    go_to(page, "Settings")
    page.get_by_label("Language").select_option("ko")
    expect(page.get_by_role("heading", name="설정")).to_be_visible()
    for name, (_, link) in SCREENS.items():
        go_to(page, link, more="더보기")
        check(page, f"{name}-ko", width)
