import pytest

from auth.oauth.flow import frontend_url, safe_next


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/feed?tab=1", "/feed?tab=1"),
        ("https://evil.example", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x", "/"),
        (None, "/"),
    ],
)
def test_next_is_a_same_site_path_or_root(given, kept):
    assert safe_next(given) == kept


def test_errors_are_added_to_the_frontend_query():
    assert (
        frontend_url("http://f.test/", "/a?b=1", error="access_denied")
        == "http://f.test/a?b=1&error=access_denied"
    )
