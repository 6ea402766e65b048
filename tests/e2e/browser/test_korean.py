"""The main flow in Korean, as a person whose browser asks for Korean sees it: sign up,
post, like, comment, follow; and the language chosen in Settings kept across a reload."""

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from stack.platform import Stack
from tests.e2e.accounts import PASSWORD, bearer
from tests.e2e.browser.app import assert_accessible, go_to, photo, register_sync, sign_up


@pytest.mark.browser_context_args(locale="ko-KR")
def test_sign_up_post_like_comment_and_follow_in_korean(page: Page, web: Stack, tmp_path: Path):
    with httpx.Client(base_url=web.gateway_url, timeout=30) as client:
        other = register_sync(client)
        response = client.post(
            "/posts",
            headers=bearer(other["access_token"]),
            files={"image": ("p.jpg", photo(tmp_path / "p.jpg").read_bytes(), "image/jpeg")},
            data={"caption": "부산 바다"},
        )
        assert response.status_code == 201, response.text

    name = f"ko{uuid.uuid4().hex[:8]}"
    page.goto("/signup")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", name="계정 만들기")).to_be_visible()
    page.get_by_label("사용자 이름").fill(name)
    page.get_by_label("이메일").fill(f"{name}@example.com")
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="계정 만들기").click()
    expect(page.get_by_role("heading", name="몇 가지 정보")).to_be_visible()
    page.get_by_label("생일").fill("1994-05-17")
    page.get_by_label("성별").select_option("female")
    page.get_by_role("button", name="저장").click()
    expect(page.get_by_role("heading", name="홈")).to_be_visible()
    expect(page).to_have_title("홈 · Photogram")
    expect(page.get_by_text("아직 아무것도 없어요")).to_be_visible()
    assert_accessible(page)

    # Post.
    go_to(page, "새 게시물", more="더보기")
    page.get_by_label("사진", exact=True).set_input_files(photo(tmp_path / "seoul.jpg"))
    page.get_by_label("설명").fill("#서울 야경")
    page.get_by_role("button", name="공유").click()
    expect(page.get_by_role("heading", name="댓글")).to_be_visible()
    post = page.get_by_role("article").first
    expect(post).to_contain_text("#서울 야경")
    expect(post.get_by_role("link", name="댓글 0개")).to_be_visible()

    # Like.
    like = page.get_by_role("button", name="좋아요", exact=True)
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(post).to_contain_text("좋아요 1개")

    # Comment.
    page.get_by_label("댓글 달기").fill("멋진 사진이네요")
    page.get_by_role("button", name="댓글 게시").click()
    comment = page.get_by_role("article", name=f"{name}님의 댓글")
    expect(comment).to_contain_text("멋진 사진이네요")
    expect(comment).to_contain_text("지금")  # Intl.RelativeTimeFormat's "now" in Korean
    expect(post.get_by_role("link", name="댓글 1개")).to_be_visible()
    assert_accessible(page)

    # Follow.
    page.goto(f"/people/{other['user']['id']}")
    expect(page.get_by_role("heading", name=other["user"]["username"])).to_be_visible()
    page.get_by_role("button", name="팔로우", exact=True).click()
    expect(page.get_by_role("button", name="팔로우 취소")).to_be_visible()
    expect(page.get_by_role("link", name="팔로워 1")).to_be_visible()
    go_to(page, "홈", more="더보기")
    expect(page.get_by_text("부산 바다")).to_be_visible()
    assert_accessible(page)

    # An error code from the API, said in Korean.
    page.goto(f"/people/{other['user']['id']}")
    go_to(page, "설정", more="더보기")
    page.get_by_role("button", name="계정 삭제").click()
    form = page.get_by_role("form", name="계정 삭제")
    form.get_by_label("비밀번호").fill("not my password")
    form.get_by_role("button", name="내 계정 영구 삭제").click()
    expect(form.get_by_role("alert")).to_have_text(re.compile("비밀번호가 맞지 않습니다"))


def test_the_language_chosen_in_settings_is_kept_across_a_reload(page: Page):
    sign_up(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    go_to(page, "Settings")
    page.get_by_label("Language").select_option("ko")
    expect(page.get_by_role("heading", name="설정")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("navigation").get_by_role("link", name="홈")).to_be_visible()

    page.reload()
    expect(page.get_by_role("heading", name="설정")).to_be_visible()
    expect(page.get_by_label("언어")).to_have_value("ko")

    page.get_by_label("언어").select_option("es")
    expect(page.get_by_role("heading", name="Ajustes")).to_be_visible()
    page.goto("/explore")
    expect(page.get_by_role("heading", name="Explorar")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")

    page.goto("/settings")
    page.get_by_label("Idioma").select_option("en")
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
