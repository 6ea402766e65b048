"""Mastodon's scopes: what a granted set covers."""

import pytest

from common.app_tokens import SUPPORTED_SCOPES, covers, token_scopes


@pytest.mark.parametrize(
    ("granted", "needed", "allowed"),
    [
        ({"read"}, "read:statuses", True),
        ({"read:statuses"}, "read:statuses", True),
        ({"read:statuses"}, "read:accounts", False),
        ({"read"}, "write:statuses", False),
        ({"write"}, "write:media", True),
        ({"follow"}, "write:follows", True),
        ({"follow"}, "read:follows", True),
        ({"follow"}, "write:statuses", False),
        ({"push"}, "read:notifications", False),
    ],
)
def test_a_scope_covers_its_parts_only(granted: set[str], needed: str, allowed: bool) -> None:
    assert covers(frozenset(granted), needed) is allowed


def test_a_sessions_token_has_no_scopes_and_an_apps_has_its_own() -> None:
    assert token_scopes({"sub": "x"}) is None
    assert token_scopes({"scope": "read write:media"}) == {"read", "write:media"}


def test_every_part_a_route_asks_for_is_a_supported_scope() -> None:
    for needed in ("read:accounts", "read:statuses", "write:statuses", "write:favourites",
                   "write:bookmarks", "write:follows", "read:follows", "write:media",
                   "read:notifications", "write:notifications", "read:search"):  # fmt: skip
        assert needed in SUPPORTED_SCOPES
