"""The Mastodon client API's callers: an app's token for a user, as auth signs one."""

from collections.abc import Callable

import pytest


@pytest.fixture
def app_headers(token) -> Callable[..., dict[str, str]]:
    """`app_headers(user)`: the Authorization header of an app token for the user (scopes
    `read write follow`, or those given)."""

    def headers(user, scope: str = "read write follow") -> dict[str, str]:
        return {"Authorization": f"Bearer {token(user.id, user.username, scope=scope)}"}

    return headers
