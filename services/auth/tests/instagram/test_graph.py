"""How auth reads Meta Graph's failures."""

import httpx2
import pytest

from auth.instagram.graph import _raise_for_graph
from common.errors import ApiError


@pytest.mark.parametrize("content", [b"", b"<html>Bad Gateway</html>", b"[]"])
def test_an_error_without_graphs_json_is_a_502(content):
    with pytest.raises(ApiError) as raised:
        _raise_for_graph(httpx2.Response(502, content=content))
    assert (raised.value.status, raised.value.code) == (502, "provider_error")


def test_an_expired_token_asks_to_reconnect():
    body = {"error": {"code": 190, "message": "Error validating access token"}}
    with pytest.raises(ApiError) as raised:
        _raise_for_graph(httpx2.Response(400, json=body))
    assert (raised.value.status, raised.value.code) == (409, "meta_reconnect_required")
