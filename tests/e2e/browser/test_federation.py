"""Someone on another server, from the web app: People finds `@name@server` (WebFinger
behind it), Follow waits for that server's answer, and their album arrives in Home with its
alt texts, its images served by our own media. The other server is the suite's shared stack,
a second stack of this platform on loopback."""

import time
import uuid
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from stack.platform import Stack
from tests.e2e.accounts import PASSWORD, png
from tests.e2e.browser.app import assert_accessible, check_screen, go_to, sign_up

# A follow and a post each cross both stacks' queues.
FEDERATED_SECONDS = 30


@pytest.fixture(scope="module")
def peer(platform: Stack) -> Stack:
    """The suite's shared stack is the other server (it allows private peers, as the
    browser's stack does): a third stack would not fit Postgres's connections."""
    return platform


def reload_until_visible(page: Page, locator, what: str) -> None:
    """What another server sends arrives when it arrives: reload until it shows."""
    deadline = time.monotonic() + FEDERATED_SECONDS
    while not locator.is_visible():
        assert time.monotonic() < deadline, f"{what} did not arrive in {FEDERATED_SECONDS} s"
        page.wait_for_timeout(500)
        page.reload()
        page.wait_for_load_state("networkidle")


def test_follow_someone_on_another_server_and_see_their_album(peer: Stack, page: Page):
    host = urlsplit(peer.gateway_url).netloc
    name = f"harbour{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=peer.gateway_url, timeout=30) as there:
        made = there.post(
            "/auth/register",
            json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
        )
        assert made.status_code == 201, made.text
        headers = {"Authorization": f"Bearer {made.json()['access_token']}"}

        sign_up(page, prefix="fan")
        page.get_by_role("link", name="People").click()
        page.get_by_role("searchbox", name="Search people").fill(f"@{name}@{host}")
        found = page.get_by_role("article", name=f"{name}@{host}")
        expect(found).to_be_visible()
        found.get_by_role("button", name="Follow").click()
        # The other server answers on its own time: until then, a request.
        expect(
            found.get_by_role("button", name="Requested – Withdraw follow request")
        ).to_be_visible()
        found.get_by_role("link", name=f"{name}@{host}").click()
        expect(page.get_by_role("heading", name=f"{name}@{host}")).to_be_visible()
        reload_until_visible(page, page.get_by_role("button", name="Unfollow"), "the Accept")
        assert_accessible(page)
        screenshots(page, "federation-profile")
        profile = page.url

        files = [("image", (f"{c}.png", png(c, (320, 240)), "image/png")) for c in ("red", "blue")]
        posted = there.post(
            "/posts",
            data={"caption": "Harbour at dawn", "alt": ["a red hull", "blue water"]},
            files=files,
            headers=headers,
        )
        assert posted.status_code == 201, posted.text

    page.get_by_role("link", name="Home").click()
    post = page.get_by_role("article").filter(has_text="Harbour at dawn")
    reload_until_visible(page, post, "the album")
    image = post.get_by_role("img", name="a red hull")
    expect(image).to_be_visible()
    # Our media serves it: the browser never asks the other server.
    src = image.get_attribute("src") or ""
    assert urlsplit(src).netloc in ("", urlsplit(page.url).netloc), src
    assert_accessible(page)
    screenshots(page, "federation-home")

    # The same two screens in Korean, then Spanish, chosen in Settings.
    words = ENGLISH
    for language in ("ko", "es"):
        go_to(page, words["settings"], more=words["more"])
        page.get_by_label(words["language"]).select_option(language)
        words = WORDS[language]
        expect(page.get_by_role("heading", name=words["settings"])).to_be_visible()
        page.set_viewport_size({"width": 1280, "height": 860})
        page.goto(profile)
        expect(page.get_by_role("heading", name=f"{name}@{host}")).to_be_visible()
        screenshots(page, f"federation-profile-{language}")
        go_to(page, words["home"], more=words["more"])
        expect(page.get_by_role("img", name="a red hull")).to_be_visible()
        screenshots(page, f"federation-home-{language}")


ENGLISH = {"settings": "Settings", "more": "More", "language": "Language"}
WORDS = {
    "ko": {"settings": "설정", "more": "더보기", "language": "언어", "home": "홈"},
    "es": {"settings": "Ajustes", "more": "Más", "language": "Idioma", "home": "Inicio"},
}


def screenshots(page: Page, name: str) -> None:
    """A name@server profile and post fit a phone and a laptop (check_screen)."""
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 844 if width == 390 else 860})
        check_screen(page, name, width)
