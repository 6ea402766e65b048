"""An Instagram analysis in a real browser, against the fake Instagram: the form, live
progress from the SSE stream, result tabs with a filter, CSV, history and delete."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.app import assert_accessible, sign_up
from tests.fakes.instagram import FakeInstagram

BETWEEN_0_AND_100 = re.compile(r"^[1-9]\d?$")


@pytest.fixture
def slow_instagram(instagram: FakeInstagram) -> Iterator[FakeInstagram]:
    # Slow pages, so the bar has somewhere between empty and full to be seen.
    instagram.faults.slow_seconds = 0.5
    yield instagram
    instagram.faults.slow_seconds = 0


def test_an_analysis_runs_live_and_shows_its_results(page: Page, slow_instagram: FakeInstagram):
    me = slow_instagram.add_account()
    slow_instagram.follow_graph(me, followers=1600, following=300, mutual=120)
    session_id, csrf = slow_instagram.session_for(me)
    streams: list[str] = []
    page.on(
        "request", lambda request: streams.append(request.url) if "/events" in request.url else None
    )

    sign_up(page)
    page.get_by_role("link", name="Analyses").click()
    expect(page.get_by_text("wiped as soon as it ends")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Instagram sessionid").fill(session_id)
    page.get_by_label("csrftoken").fill(csrf)
    page.get_by_role("button", name="Start analysis").click()

    bar = page.get_by_role("progressbar", name="Analysis progress")
    expect(bar).to_have_attribute("aria-valuenow", BETWEEN_0_AND_100, timeout=60_000)
    assert_accessible(page)
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=90_000)
    assert any("/events" in url for url in streams), "progress came by polling, not the stream"

    mutuals = page.get_by_role("tab", name=re.compile(r"^Mutuals \(120\)"))
    expect(mutuals).to_have_attribute("aria-selected", "true")
    accounts = page.get_by_role("list", name="Accounts").get_by_role("listitem")
    expect(accounts).to_have_count(100)  # the first page
    page.get_by_role("tab", name=re.compile(r"^Not following back")).click()
    expect(page.get_by_role("tab", name=re.compile(r"^Not following back"))).to_have_attribute(
        "aria-selected", "true"
    )
    first = accounts.first.get_by_role("strong").inner_text().lstrip("@")
    page.get_by_label("Filter").fill(first)
    expect(accounts).to_have_count(1)
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    expect(page.get_by_role("heading", name="Changes")).to_be_visible()

    page.get_by_role("link", name="Analyses").click()
    history = page.get_by_role("article", name=re.compile(r"^Analysis of"))
    expect(history).to_have_count(1)
    history.get_by_role("link").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete analysis").click()
    expect(page.get_by_text("No analyses yet.")).to_be_visible()


def test_a_running_analysis_can_be_cancelled(page: Page, slow_instagram: FakeInstagram):
    me = slow_instagram.add_account()
    slow_instagram.follow_graph(me, followers=3000, following=10, mutual=5)
    session_id, _ = slow_instagram.session_for(me)
    sign_up(page)
    page.get_by_role("link", name="Analyses").click()
    page.get_by_label("Instagram sessionid").fill(session_id)
    page.get_by_role("button", name="Start analysis").click()
    page.get_by_role("button", name="Cancel analysis").click()
    expect(page.get_by_text("cancelled", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Delete analysis")).to_be_visible()
