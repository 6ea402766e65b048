"""The README's first run, as a newcomer does it: `uv run stack up --fake-instagram` on the
checkout alone (its own PostgreSQL, Redis and S3), then everything in the browser, from
signing up to an Instagram analysis against the fake, without touching a terminal again."""

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.accounts import PASSWORD
from tests.e2e.browser.app import give_consent, photo, register_sync, sign_out
from tests.support.dirs import server_data_dir
from tests.support.stack_cli import stack_env, stack_up, stop, wait_ready

pytestmark = pytest.mark.timeout(600)


@dataclass
class FirstRun:
    gateway: str
    output: str


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirstRun]:
    log = tmp_path_factory.mktemp("first-run") / "stack.log"
    with server_data_dir("first-run-") as stack_dir:
        up = stack_up(stack_env(stack_dir), log, "--fake-instagram")
        try:
            gateway = wait_ready(up, log)
            yield FirstRun(gateway, log.read_text())
        finally:
            stop(up)
    assert "Traceback" not in log.read_text()


@pytest.fixture(scope="module")
def browser_context_args(first_run: FirstRun) -> dict[str, Any]:
    return {"base_url": first_run.gateway, "viewport": {"width": 1280, "height": 900}}


def test_a_newcomer_goes_from_sign_up_to_an_instagram_analysis(
    page: Page, first_run: FirstRun, tmp_path: Path
):
    # The stack's printout is all the newcomer reads: where to go, and the fake's cookie.
    assert re.match(r"http://localhost:\d+$", first_run.gateway), first_run.gateway
    session_id = re.search(r"Instagram sessionid\s+(\S+)", first_run.output)
    csrf = re.search(r"csrftoken\s+(\S+)", first_run.output)
    assert session_id and csrf, first_run.output
    with httpx.Client(base_url=first_run.gateway, timeout=30) as api:
        friend = register_sync(api)["user"]["username"]

    page.goto("/")
    page.get_by_role("link", name="Create an account").click()
    # The sign-up form, once it is on screen (the sign-in form also asks for a username).
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    name = f"new{uuid.uuid4().hex[:8]}"
    page.get_by_label("Username").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    give_consent(page)

    page.get_by_role("link", name="New post").click()
    page.get_by_label("Photo", exact=True).set_input_files(photo(tmp_path / "first.jpg"))
    page.get_by_label("Caption").fill("My first photo")
    page.get_by_role("button", name="Share").click()
    expect(page.get_by_role("heading", name="Comments")).to_be_visible()

    page.get_by_role("link", name="Home").click()
    post = page.get_by_role("article").filter(has_text="My first photo")
    like = post.get_by_role("button", name="Like", exact=True)
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    post.get_by_role("link", name="0 comments").click()
    page.get_by_label("Add a comment").fill("Hello, platform")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("article", name="Comment by")).to_contain_text("Hello, platform")

    page.get_by_role("link", name="People").click()
    page.get_by_role("searchbox", name="Search people").fill(friend[:5])
    found = page.get_by_role("article", name=friend)
    found.get_by_role("button", name="Follow").click()
    expect(found.get_by_role("button", name="Unfollow")).to_be_visible()

    page.get_by_role("link", name="Analyses").click()
    page.get_by_label("Instagram sessionid").fill(session_id[1])
    page.get_by_label("csrftoken").fill(csrf[1])
    page.get_by_role("button", name="Start analysis").click()
    # The bar moves: seen part-way at two different values before it is full.
    bar = page.get_by_role("progressbar", name="Analysis progress")
    seen: set[str] = set()
    deadline = time.monotonic() + 120
    while (value := bar.get_attribute("aria-valuenow")) != "100":
        assert time.monotonic() < deadline, f"the bar never filled; it showed {sorted(seen)}"
        if value and value != "0":
            seen.add(value)
        page.wait_for_timeout(200)
    assert len(seen) >= 2, f"the bar jumped to full: {sorted(seen)}"
    expect(page.get_by_role("tab", name=re.compile(r"^Mutuals \(500\)"))).to_be_visible()

    sign_out(page)
