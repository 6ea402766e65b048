"""Every main screen at a phone's width (390 px) and a laptop's (1280 px), in English and in
Korean: no serious or critical axe-core violation, nothing wider than the window. With
UPDATE_SCREENSHOTS=1 the screenshots in docs/screenshots/ are taken anew."""

import os
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from stack.platform import Stack
from tests.e2e.accounts import bearer
from tests.e2e.browser.app import (
    check_screen,
    go_to,
    korean_font_installed,
    photo,
    register_sync,
    share_photo,
    sign_up,
)

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


@pytest.mark.parametrize("width", [390, 1280])
def test_every_screen_fits_and_passes_axe(page: Page, tmp_path: Path, width: int):
    if os.environ.get("UPDATE_SCREENSHOTS"):
        assert korean_font_installed(), "install fonts-noto-cjk before taking screenshots"
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 860})
    page.goto("/signin")
    check_screen(page, "sign-in", width)
    sign_up(page)
    harbour = photo(tmp_path / "harbour.jpg", size=(1200, 800), color="steelblue")
    share_photo(page, harbour, "Harbour at dusk")
    check_screen(page, "post", width)
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
        check_screen(page, "menu", width)
        page.keyboard.press("Escape")
        expect(nav.get_by_role("link", name="Settings")).to_be_hidden()
    for name, (link, _) in SCREENS.items():
        go_to(page, link)
        check_screen(page, name, width)
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
        check_screen(page, f"{name}-ko", width)


def _album_screens(page: Page, width: int, files: list[Path], post_id: str, tag: str, suffix: str):
    """The album composer, a post with an album, a tag page and Saved, in the current language."""
    english = not suffix
    go_to(page, "New post" if english else "새 게시물", more="More" if english else "더보기")
    page.get_by_label("Photo" if english else "사진", exact=True).set_input_files(files)
    alt = "Alt text for photo {}" if english else "{}번째 사진의 대체 텍스트"
    page.get_by_label(alt.format(1)).fill("The harbour at dusk" if english else "해 질 녘 항구")
    check_screen(page, f"new-post-album{suffix}", width)
    page.goto(f"/p/{post_id}")
    expect(page.get_by_text("1 / 3", exact=True)).to_be_visible()
    check_screen(page, f"post-album{suffix}", width)
    page.get_by_role("link", name=f"#{tag}").click()
    expect(page.get_by_role("heading", name=f"#{tag}")).to_be_visible()
    check_screen(page, f"tag{suffix}", width)
    page.goto("/saved")
    expect(page.get_by_role("article")).to_have_count(1)
    check_screen(page, f"saved{suffix}", width)


@pytest.mark.parametrize("width", [390, 1280])
def test_album_tag_saved_and_request_screens_fit_and_pass_axe(
    page: Page, web: Stack, tmp_path: Path, width: int
):
    """The screens of albums, tags, bookmarks and private accounts, in English and Korean."""
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 860})
    tag = f"harbour{uuid.uuid4().hex[:6]}"
    colours = ("steelblue", "darkorange", "seagreen")
    files = [photo(tmp_path / f"{c}.jpg", size=(1200, 800), color=c) for c in colours]
    with httpx.Client(base_url=web.gateway_url, timeout=30) as client:
        poster, asker = register_sync(client), register_sync(client)
        response = client.post(
            "/posts",
            headers=bearer(poster["access_token"]),
            files=[("image", (f.name, f.read_bytes(), "image/jpeg")) for f in files],
            data={"caption": f"Evening walk #{tag}", "alt": ["Boats", "Sunset", "Pier"]},
        )
        assert response.status_code == 201, response.text
        post_id = response.json()["id"]

        sign_up(page)
        page.goto(f"/p/{post_id}")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_role("button", name="Saved", exact=True)).to_be_visible()
        _album_screens(page, width, files, post_id, tag, "")

        # A private account with a follow request waiting.
        go_to(page, "Profile")
        own_id = page.url.rsplit("/", 1)[-1]
        page.get_by_role("link", name="Edit profile").click()
        page.get_by_label("Private account").check()
        page.get_by_role("button", name="Save profile").click()
        expect(page.get_by_role("link", name="Edit profile")).to_be_visible()
        requested = client.post(f"/users/{own_id}/follow", headers=bearer(asker["access_token"]))
        assert requested.status_code == 202, requested.text
    go_to(page, "Notifications")
    expect(page.get_by_role("region", name="Follow requests")).to_be_visible()
    check_screen(page, "notifications-request", width)

    go_to(page, "Settings")
    page.get_by_label("Language").select_option("ko")
    expect(page.get_by_role("heading", name="설정")).to_be_visible()
    _album_screens(page, width, files, post_id, tag, "-ko")
    go_to(page, "알림", more="더보기")
    expect(page.get_by_role("region", name="팔로우 요청")).to_be_visible()
    check_screen(page, "notifications-request-ko", width)
