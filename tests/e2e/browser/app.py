"""What the browser tests do as a person would: sign up, make photos, check accessibility."""

import io
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import httpx
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.accounts import CREDENTIALS, PASSWORD

DOCS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
AXE = Path(__file__).resolve().parents[3] / "web" / "node_modules" / "axe-core" / "axe.min.js"


def sign_up(page: Page, prefix: str = "w") -> str:
    """A new account made through the sign-up form; the app ends on Home. Its username."""
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    page.goto("/signup")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    give_consent(page)
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    return name


def give_consent(page: Page) -> None:
    """The one-time birthday and gender step every new account goes through."""
    expect(page.get_by_role("heading", name="A few details")).to_be_visible()
    page.get_by_label("Birthday").fill("1994-05-17")
    page.get_by_label("Gender").select_option("female")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="A few details")).to_have_count(0)


def register_sync(client: httpx.Client) -> dict:
    """An account made through the API (for a second person in a test): the register body."""
    name = f"x{uuid.uuid4().hex[:8]}"
    response = client.post(
        "/auth/register",
        json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    CREDENTIALS.append(body["refresh_token"])
    return body


def sign_in(page: Page, login: str) -> None:
    page.goto("/signin")
    page.get_by_label("Username or email").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    # Signed in, the navigation leads to one's own profile.
    expect(page.get_by_role("link", name="Profile", exact=True)).to_be_visible()


def go_to(page: Page, name: str, more: str = "More") -> None:
    """Follows the navigation's link `name`, opening the menu first where it is behind it
    (on a phone, all but the five tab-bar destinations)."""
    link = page.get_by_role("navigation").get_by_role("link", name=name, exact=True)
    menu = page.get_by_role("button", name=more, exact=True)
    # The navigation is drawn once the session is known: then one of the two shows.
    expect(link.or_(menu).first).to_be_visible()
    if not link.is_visible():
        menu.click()
    link.click()
    # Arrived: the navigation marks the link as the current page (on a phone, More has
    # closed over it by then).
    arrived = page.get_by_role("navigation").get_by_role(
        "link", name=name, exact=True, include_hidden=True
    )
    expect(arrived).to_have_attribute("aria-current", "page")


def sign_out(page: Page) -> None:
    """Sign out lives in Settings, with the account's other actions."""
    go_to(page, "Settings")
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def photo(path: Path, size: tuple[int, int] = (640, 480), color: str = "teal") -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=90)
    path.write_bytes(buffer.getvalue())
    return path


def noise_photo(path: Path, min_bytes: int) -> Path:
    """A JPEG at least `min_bytes` big (random pixels do not compress)."""
    side = 256
    while True:
        image = Image.effect_noise((side, side), 120).convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=100)
        if buffer.tell() >= min_bytes:
            path.write_bytes(buffer.getvalue())
            return path
        side *= 2


def share_photo(page: Page, file: Path, caption: str) -> None:
    """Posts `file` through New post and waits for the post's own page."""
    page.get_by_role("link", name="New post").click()
    page.get_by_label("Photo", exact=True).set_input_files(file)
    page.get_by_label("Caption").fill(caption)
    page.get_by_role("button", name="Share").click()
    expect(page.get_by_role("heading", name="Comments")).to_be_visible()


def assert_accessible(page: Page) -> None:
    """axe-core on the current screen: no serious or critical violation."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, json.dumps(bad, indent=1)


def check_screen(page: Page, name: str, width: int) -> None:
    """A screen a person would accept: titled, axe-clean, nothing wider than the window;
    with UPDATE_SCREENSHOTS=1 its screenshot is taken anew in docs/screenshots/."""
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
