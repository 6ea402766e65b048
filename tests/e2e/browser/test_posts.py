"""Posting a photo, the feeds, likes and comments, in a real browser."""

import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from stack.platform import Stack
from tests.e2e.accounts import bearer
from tests.e2e.browser.app import assert_accessible, photo, register_sync, share_photo, sign_up


def test_a_photo_shared_shows_in_home_and_can_be_liked_and_commented(page: Page, tmp_path: Path):
    sign_up(page)
    page.get_by_role("link", name="New post").click()
    assert_accessible(page)
    caption = "Sunset over the harbour"
    page.get_by_label("Caption").fill(caption)
    expect(page.get_by_text(f"{len(caption)} / 2200")).to_be_visible()
    share_photo(page, photo(tmp_path / "sunset.jpg"), caption)
    assert_accessible(page)

    page.get_by_role("link", name="Home").click()
    post = page.get_by_role("article").filter(has_text=caption)
    expect(post).to_be_visible()
    like = post.get_by_role("button", name="Like", exact=True)
    expect(like).to_have_attribute("aria-pressed", "false")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(post).to_contain_text("1 like")
    dislike = post.get_by_role("button", name="Dislike", exact=True)
    dislike.click()
    expect(dislike).to_have_attribute("aria-pressed", "true")
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(post).to_contain_text("0 likes")
    like.click()
    assert_accessible(page)

    # The server agrees: after a reload the like is still there.
    page.reload()
    post = page.get_by_role("article").filter(has_text=caption)
    expect(post.get_by_role("button", name="Like", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )

    post.get_by_role("link", name="0 comments").click()
    page.get_by_label("Add a comment").fill("What a view!")
    page.get_by_role("button", name="Post comment").click()
    comment = page.get_by_role("article", name="Comment by")
    expect(comment).to_contain_text("What a view!")
    expect(page.get_by_role("link", name="1 comment", exact=True)).to_be_visible()
    assert_accessible(page)
    comment.get_by_role("button", name="Delete comment").click()
    expect(page.get_by_text("No comments yet.")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete post").click()
    expect(page).to_have_url(re.compile(r"/people/"))
    page.get_by_role("link", name="Home").click()
    expect(page.get_by_text("Nothing here yet")).to_be_visible()


def test_explore_scrolls_through_pages_of_posts(page: Page, web: Stack, tmp_path: Path):
    # Someone else posts eleven photos (through the API, to be quick); the feed pages by ten.
    image = photo(tmp_path / "p.jpg", size=(64, 64)).read_bytes()
    with httpx.Client(base_url=web.gateway_url, timeout=30) as client:
        token = register_sync(client)["access_token"]
        for n in range(11):
            response = client.post(
                "/posts",
                headers=bearer(token),
                files={"image": ("p.jpg", image, "image/jpeg")},
                data={"caption": f"scroll post {n}"},
            )
            assert response.status_code == 201, response.text
    sign_up(page)
    page.get_by_role("link", name="Explore").click()
    expect(page.get_by_role("article").filter(has_text="scroll post 10")).to_be_visible()
    expect(page.get_by_role("article").filter(has_text="scroll post 0")).to_have_count(0)
    # The eleventh-newest comes when the end of the list scrolls into view.
    page.get_by_role("article").filter(has_text="scroll post 1").last.scroll_into_view_if_needed()
    page.mouse.wheel(0, 20000)
    expect(page.get_by_role("article").filter(has_text="scroll post 0")).to_be_visible()
