"""Own uploads with EXIF and quota, and uploads the server refuses, in a real browser."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from services.media.tests.factories import jpeg_with_exif
from tests.e2e.browser.app import assert_accessible, noise_photo, photo, share_photo, sign_up
from tests.e2e.browser.conftest import MAX_UPLOAD_BYTES


def test_uploads_show_exif_and_the_quota_and_a_photo_in_use_is_kept(page: Page, tmp_path: Path):
    sign_up(page)
    camera_photo = tmp_path / "camera.jpg"
    camera_photo.write_bytes(jpeg_with_exif())
    share_photo(page, camera_photo, "with a camera")
    page.get_by_role("link", name="Media").click()
    meter = page.get_by_role("progressbar", name="Storage used")
    expect(meter).to_be_visible()
    expect(page.get_by_text(re.compile(r"· 1 photo$"))).to_be_visible()
    page.get_by_role("button", name="Details of the photo").first.click()
    details = page.get_by_role("article", name="Photo details")
    expect(details).to_contain_text("Canon EOS R5")
    expect(details).to_contain_text("ISO")
    expect(details).to_contain_text("only you see this")  # GPS, for the owner
    assert_accessible(page)
    # A photo a post still shows is not deleted: the server's reason is shown.
    page.once("dialog", lambda dialog: dialog.accept())
    details.get_by_role("button", name="Delete photo").click()
    expect(page.get_by_role("alert")).to_contain_text("delete the post first")
    expect(page.get_by_text(re.compile(r"· 1 photo$"))).to_be_visible()


def test_a_refused_upload_says_why_and_keeps_the_form(page: Page, tmp_path: Path):
    sign_up(page)
    page.get_by_role("link", name="New post").click()
    not_a_photo = tmp_path / "notes.jpg"
    not_a_photo.write_text("these are words, not pixels")
    page.get_by_label("Photo", exact=True).set_input_files(not_a_photo)
    page.get_by_label("Caption").fill("kept caption")
    page.get_by_role("button", name="Share").click()
    expect(page.get_by_role("alert")).to_contain_text("not a photo we can read")
    expect(page.get_by_label("Caption")).to_have_value("kept caption")

    # The composer holds an album: the refused file is taken out before the next is added.
    page.get_by_role("button", name="Remove photo 1").click()
    big = noise_photo(tmp_path / "big.jpg", MAX_UPLOAD_BYTES + 100_000)
    page.get_by_label("Photo", exact=True).set_input_files(big)
    page.get_by_role("button", name="Share").click()
    expect(page.get_by_role("alert")).to_contain_text("larger than the upload limit")
    expect(page.get_by_label("Caption")).to_have_value("kept caption")
    assert_accessible(page)

    page.get_by_role("button", name="Remove photo 1").click()
    page.get_by_label("Photo", exact=True).set_input_files(photo(tmp_path / "ok.jpg"))
    page.get_by_role("button", name="Share").click()
    expect(page.get_by_role("heading", name="Comments")).to_be_visible()
