"""Albums, content warnings, tags and mentions, bookmarks, caption edits and private
accounts, in a real browser; a second person acts through the API or a browser of their own."""

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect

from stack.platform import Stack
from tests.e2e.browser.app import assert_accessible, go_to, photo, register_sync, sign_up


def _compose(page: Page, files: list[Path], alts: list[str], caption: str) -> None:
    page.get_by_role("link", name="New post").click()
    page.get_by_label("Photo", exact=True).set_input_files(files)
    for n, alt in enumerate(alts, start=1):
        page.get_by_label(f"Alt text for photo {n}").fill(alt)
    page.get_by_label("Caption").fill(caption)


def _share(page: Page) -> None:
    page.get_by_role("button", name="Share").click()
    expect(page.get_by_role("heading", name="Comments")).to_be_visible()


def test_an_album_of_three_with_alt_text_shows_as_a_carousel(page: Page, tmp_path: Path):
    sign_up(page)
    files = [photo(tmp_path / f"{name}.jpg", color=name) for name in ("red", "green", "blue")]
    _compose(page, files, ["A red wall", "A green field", "A blue sea"], "Three colours")
    expect(page.get_by_text("13 / 1,500", exact=True)).to_be_visible()
    # Reordered with buttons, not only by dragging: the sea goes first.
    page.get_by_role("button", name="Move photo 3 left").click()
    page.get_by_role("button", name="Move photo 2 left").click()
    expect(page.get_by_label("Alt text for photo 1")).to_have_value("A blue sea")
    expect(page.get_by_role("button", name="Move photo 1 left")).to_be_disabled()
    assert_accessible(page)
    _share(page)

    post = page.get_by_role("article").filter(has_text="Three colours")
    expect(post.get_by_text("1 / 3", exact=True)).to_be_visible()
    expect(post.get_by_role("img", name="A blue sea")).to_be_visible()
    post.get_by_role("button", name="Next photo").click()
    expect(post.get_by_text("2 / 3", exact=True)).to_be_visible()
    expect(post.get_by_role("img", name="A red wall")).to_be_visible()
    post.get_by_role("button", name="Photo 3 of 3").click()
    expect(post.get_by_role("img", name="A green field")).to_be_visible()
    # The arrow keys, once the carousel has the focus.
    post.get_by_role("region", name="Photos").focus()
    page.keyboard.press("ArrowLeft")
    expect(post.get_by_text("2 / 3", exact=True)).to_be_visible()
    assert_accessible(page)

    # Its owner edits the caption and a photo's alt text, and adds a content warning: the
    # post says it was edited.
    page.get_by_role("button", name="Edit post").click()
    page.get_by_label("Caption").fill("Three colours, edited")
    expect(page.get_by_label("Alt text for photo 1")).to_have_value("A blue sea")
    page.get_by_label("Alt text for photo 1").fill("A calm blue sea")
    page.get_by_label("Content warning").check()
    page.get_by_label("Warning text").fill("Bright colours")
    assert_accessible(page)
    page.get_by_role("button", name="Save changes").click()
    expect(post.get_by_text("Bright colours", exact=True)).to_be_visible()
    post.get_by_role("button", name="Show", exact=True).click()
    expect(post.get_by_text("Three colours, edited")).to_be_visible()
    expect(post.get_by_text("Edited", exact=True)).to_be_visible()
    page.reload()
    expect(page.get_by_text("Edited", exact=True)).to_be_visible()
    post.get_by_role("button", name="Show", exact=True).click()
    expect(post.get_by_role("img", name="A calm blue sea")).to_be_visible()


def test_a_sensitive_post_is_blurred_until_shown(page: Page, tmp_path: Path):
    sign_up(page)
    _compose(page, [photo(tmp_path / "a.jpg")], ["A spider"], "Garden visitor")
    page.get_by_label("Content warning").check()
    page.get_by_label("Warning text").fill("Spiders")
    _share(page)
    post = page.get_by_role("article").filter(has_text="Garden visitor")
    expect(post.get_by_text("Spiders", exact=True)).to_be_visible()
    expect(post.get_by_role("img", name="A spider")).to_have_count(0)
    assert_accessible(page)
    post.get_by_role("button", name="Show", exact=True).click()
    expect(post.get_by_role("img", name="A spider")).to_be_visible()
    expect(post.get_by_text("Spiders", exact=True)).to_have_count(0)


def test_tags_and_mentions_link_and_a_tag_can_be_followed(page: Page, web: Stack, tmp_path: Path):
    tag = f"walk{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=web.gateway_url, timeout=30) as client:
        friend = register_sync(client)["user"]
    sign_up(page)
    _compose(page, [photo(tmp_path / "a.jpg")], [""], f"Night #{tag} with @{friend['username']}")
    _share(page)
    post = page.get_by_role("article").filter(has_text="Night")
    expect(post.get_by_role("link", name=f"@{friend['username']}")).to_have_attribute(
        "href", f"/people/{friend['id']}"
    )
    # A comment links its mentions as the caption does.
    post.get_by_role("link", name="0 comments").click()
    page.get_by_label("Add a comment").fill(f"Hi @{friend['username']}")
    page.get_by_role("button", name="Post comment").click()
    comment = page.get_by_role("article", name="Comment by")
    expect(comment.get_by_role("link", name=f"@{friend['username']}")).to_have_attribute(
        "href", f"/people/{friend['id']}"
    )
    post = page.get_by_role("article").filter(has_text="Night")
    post.get_by_role("link", name=f"#{tag}").click()
    expect(page).to_have_url(re.compile(f"/explore/tags/{tag}$"))
    expect(page.get_by_role("heading", name=f"#{tag}")).to_be_visible()
    expect(page.get_by_text("1 post", exact=True)).to_be_visible()
    expect(page.get_by_role("article").filter(has_text="Night")).to_be_visible()
    follow = page.get_by_role("button", name="Follow tag")
    expect(follow).to_have_attribute("aria-pressed", "false")
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "true")
    assert_accessible(page)
    page.reload()
    expect(page.get_by_role("button", name="Follow tag")).to_have_attribute("aria-pressed", "true")

    # Explore lists the tags of the day.
    go_to(page, "Explore")
    trending = page.get_by_role("region", name="Trending tags")
    expect(trending.get_by_role("link", name=f"#{tag}")).to_be_visible()
    assert_accessible(page)


def test_saved_posts_are_listed_from_ones_profile(page: Page, tmp_path: Path):
    sign_up(page)
    _compose(page, [photo(tmp_path / "a.jpg")], [""], "Worth keeping")
    _share(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("button", name="Saved", exact=True)).to_be_visible()
    go_to(page, "Profile")
    page.get_by_role("link", name="Saved", exact=True).click()
    expect(page.get_by_role("heading", name="Saved")).to_be_visible()
    saved = page.get_by_role("article").filter(has_text="Worth keeping")
    expect(saved).to_be_visible()
    assert_accessible(page)
    saved.get_by_role("button", name="Saved", exact=True).click()
    expect(saved.get_by_role("button", name="Save", exact=True)).to_be_visible()
    page.reload()
    expect(page.get_by_text("Nothing saved yet.")).to_be_visible()


def test_a_private_account_approves_a_follow_request(
    page: Page, browser: Browser, browser_context_args: dict[str, Any], tmp_path: Path
):
    owner = sign_up(page, prefix="priv")
    owner_id = page.get_by_role("link", name="Profile", exact=True).get_attribute("href")
    go_to(page, "Profile")
    page.get_by_role("link", name="Edit profile").click()
    private = page.get_by_label("Private account")
    expect(private).not_to_be_checked()
    private.check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("heading", name=owner)).to_be_visible()

    # Someone else, in a browser of their own, asks to follow.
    context = browser.new_context(**browser_context_args)
    try:
        other = context.new_page()
        asker = sign_up(other, prefix="ask")
        other.goto(owner_id or "/")
        expect(other.get_by_role("heading", name=owner)).to_be_visible()
        expect(other.get_by_text("This account is private")).to_be_visible()
        other.get_by_role("button", name="Follow", exact=True).click()
        requested = other.get_by_role("button", name="Requested")
        expect(requested).to_be_visible()
        # A request can be withdrawn while it waits, and asked again.
        requested.click()
        other.get_by_role("button", name="Follow", exact=True).click()
        expect(requested).to_be_visible()  # asked again, before the page is reloaded
        other.reload()
        expect(requested).to_have_accessible_name("Requested – Withdraw follow request")

        go_to(page, "Notifications")
        requests = page.get_by_role("region", name="Follow requests")
        expect(requests.get_by_role("link", name=asker)).to_be_visible()
        assert_accessible(page)
        requests.get_by_role("button", name=f"Approve {asker}").click()
        expect(page.get_by_role("region", name="Follow requests")).to_have_count(0)

        other.reload()
        expect(other.get_by_role("button", name="Unfollow")).to_be_visible()
        expect(other.get_by_text("This account is private")).to_have_count(0)
    finally:
        context.close()
