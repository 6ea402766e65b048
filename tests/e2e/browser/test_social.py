"""Notifications with their badge, blocking and muting, and deleting an account, in a real
browser; the other people act through the API, as they would from their own devices."""

import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from stack.platform import Stack
from tests.e2e.accounts import PASSWORD, bearer
from tests.e2e.browser.app import (
    assert_accessible,
    photo,
    register_sync,
    share_photo,
    sign_up,
)


def _own_id(page: Page) -> str:
    href = page.get_by_role("link", name="Profile", exact=True).get_attribute("href")
    assert href is not None
    return href.rsplit("/", 1)[-1]


def test_likes_comments_and_follows_arrive_as_notifications_with_an_unread_badge(
    page: Page, web: Stack, tmp_path: Path
):
    sign_up(page, prefix="star")
    share_photo(page, photo(tmp_path / "a.jpg"), "Harbour at dawn")
    post_id = page.url.rsplit("/", 1)[-1]
    star_id = _own_id(page)

    with httpx.Client(base_url=web.gateway_url, timeout=30) as client:
        fan, other = register_sync(client), register_sync(client)
        fan_auth, other_auth = bearer(fan["access_token"]), bearer(other["access_token"])
        for auth in (other_auth, fan_auth):
            assert client.post(f"/posts/{post_id}/like", headers=auth).status_code == 200
        response = client.post(
            f"/posts/{post_id}/comments", headers=fan_auth, json={"content": "What a light!"}
        )
        assert response.status_code == 201, response.text
        assert client.post(f"/users/{star_id}/follow", headers=fan_auth).status_code == 200

        # The badge is asked again on every screen change.
        page.get_by_role("link", name="Home").click()
        badge = page.get_by_role("link", name=re.compile(r"^Notifications\s*3 unread$"))
        expect(badge).to_be_visible()
        badge.click()
        expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
        fan_name = fan["user"]["username"]
        # Two likes of one post are one item.
        expect(
            page.get_by_role("article", name=re.compile(r" and 1 other liked your post$"))
        ).to_be_visible()
        comment = page.get_by_role("article", name=f"{fan_name} commented on your post")
        expect(comment).to_contain_text("What a light!")
        expect(page.get_by_role("article", name=f"{fan_name} followed you")).to_be_visible()
        # Opened means read: the badge is gone.
        expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
        assert_accessible(page)

        # Undone actions withdraw their notification.
        assert client.delete(f"/posts/{post_id}/like", headers=fan_auth).status_code == 200
        assert client.delete(f"/posts/{post_id}/like", headers=other_auth).status_code == 200
    page.reload()
    expect(page.get_by_role("article", name=f"{fan_name} followed you")).to_be_visible()
    expect(page.get_by_role("article", name=re.compile("liked your post"))).to_have_count(0)

    # The notification leads to the post.
    page.get_by_role("article", name=f"{fan_name} commented on your post").get_by_role(
        "link", name=re.compile("commented")
    ).click()
    expect(page.get_by_text("Harbour at dawn")).to_be_visible()


def test_block_and_mute_from_a_profile_and_undo_them_in_settings(
    page: Page, web: Stack, tmp_path: Path
):
    with httpx.Client(base_url=web.gateway_url, timeout=30) as client:
        other = register_sync(client)
        response = client.post(
            "/posts",
            headers=bearer(other["access_token"]),
            files={"image": ("p.jpg", photo(tmp_path / "p.jpg").read_bytes(), "image/jpeg")},
            data={"caption": "Someone else's photo"},
        )
        assert response.status_code == 201, response.text
    name = other["user"]["username"]
    sign_up(page)
    page.goto(f"/people/{other['user']['id']}")
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    page.get_by_role("button", name="Follow", exact=True).click()
    expect(page.get_by_role("button", name="Unfollow")).to_be_visible()
    expect(page.get_by_role("list", name="Posts").get_by_role("link")).to_have_count(1)

    page.get_by_role("button", name="Mute", exact=True).click()
    expect(page.get_by_role("button", name="Unmute", exact=True)).to_be_visible()
    page.get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    expect(page.get_by_text("Someone else's photo")).to_have_count(0)

    page.goto(f"/people/{other['user']['id']}")
    page.get_by_role("button", name="Block", exact=True).click()
    expect(page.get_by_role("button", name="Unblock", exact=True)).to_be_visible()
    # Blocking ends the follow and hides their posts; following is not offered.
    expect(page.get_by_text(f"You blocked {name}")).to_be_visible()
    expect(page.get_by_role("link", name="0 followers")).to_be_visible()
    expect(page.get_by_role("button", name="Follow", exact=True)).to_have_count(0)
    expect(page.get_by_text("No posts yet.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Settings").click()
    blocked = page.get_by_role("feed", name="Blocked accounts")
    muted = page.get_by_role("feed", name="Muted accounts")
    expect(blocked.get_by_role("article", name=name)).to_be_visible()
    expect(muted.get_by_role("article", name=name)).to_be_visible()
    assert_accessible(page)
    blocked.get_by_role("button", name="Unblock").click()
    expect(page.get_by_text("You have not blocked anyone.")).to_be_visible()
    muted.get_by_role("button", name="Unmute").click()
    expect(page.get_by_text("You have not muted anyone.")).to_be_visible()

    page.goto(f"/people/{other['user']['id']}")
    expect(page.get_by_role("button", name="Follow", exact=True)).to_be_visible()
    expect(page.get_by_role("list", name="Posts").get_by_role("link")).to_have_count(1)


def test_delete_account_asks_for_the_password_then_removes_it_everywhere(
    page: Page, tmp_path: Path
):
    name = sign_up(page, prefix="leaver")
    share_photo(page, photo(tmp_path / "a.jpg"), "Soon gone")
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("button", name="Delete account").click()
    form = page.get_by_role("form", name="Delete account")
    expect(form).to_contain_text("It cannot be undone.")
    assert_accessible(page)

    form.get_by_label("Password").fill("not my password")
    form.get_by_role("button", name="Delete my account for good").click()
    expect(form.get_by_role("alert")).to_have_text(re.compile("password is not right"))

    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Delete my account for good").click()
    expect(page.get_by_role("heading", name="Your account is being deleted")).to_be_visible()
    # Each service reports back; the page follows them to the end.
    expect(page.get_by_role("status")).to_have_text("Everything is deleted.", timeout=30_000)
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()

    page.goto("/signin")
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("link", name="Profile", exact=True)).to_have_count(0)
