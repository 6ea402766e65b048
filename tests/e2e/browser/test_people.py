"""Profiles, "Search people", following, follower lists and Edit profile, in a real browser."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.browser.app import assert_accessible, photo, share_photo, sign_out, sign_up


def test_find_someone_follow_them_and_see_their_posts_in_home(page: Page, tmp_path: Path):
    author = sign_up(page, prefix="author")
    share_photo(page, photo(tmp_path / "a.jpg"), "From the author")
    sign_out(page)

    reader = sign_up(page, prefix="reader")
    page.get_by_role("link", name="People").click()
    page.get_by_role("searchbox", name="Search people").fill(author[:9].upper())
    found = page.get_by_role("article", name=author)
    expect(found).to_be_visible()
    assert_accessible(page)
    found.get_by_role("button", name="Follow").click()
    expect(found.get_by_role("button", name="Unfollow")).to_be_visible()

    page.get_by_role("link", name="Home").click()
    expect(page.get_by_role("article").filter(has_text="From the author")).to_be_visible()

    page.get_by_role("link", name=author, exact=True).first.click()
    expect(page.get_by_role("heading", name=author)).to_be_visible()
    expect(page.get_by_role("link", name="1 follower", exact=True)).to_be_visible()
    expect(page.get_by_role("list", name="Posts").get_by_role("link")).to_have_count(1)
    assert_accessible(page)
    page.get_by_role("link", name="1 follower", exact=True).click()
    expect(page.get_by_role("article", name=reader)).to_be_visible()
    page.get_by_role("link", name="Back to the profile").click()
    page.get_by_role("button", name="Unfollow").click()
    expect(page.get_by_role("link", name="0 followers")).to_be_visible()


def test_edit_profile_sets_bio_and_an_avatar_from_own_photos(page: Page, tmp_path: Path):
    name = sign_up(page)
    share_photo(page, photo(tmp_path / "me.jpg", color="orange"), "me")
    page.get_by_role("link", name="Profile").click()
    page.get_by_role("link", name="Edit profile").click()
    page.get_by_label("Bio").fill("Photos of harbours")
    page.get_by_role("radio").first.check()
    assert_accessible(page)
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_text("Photos of harbours")).to_be_visible()
    avatar = page.get_by_role("img", name=f"{name}'s avatar")
    expect(avatar).to_have_attribute("src", re.compile(r"/media/"))
