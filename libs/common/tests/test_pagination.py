"""Keyset cursors: a key survives the round trip, and nothing else decodes into one."""

import uuid
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from common.errors import install_error_handlers
from common.ids import new_id
from common.pagination import (
    IdPageDep,
    InvalidCursor,
    PageRequest,
    decode_cursor,
    encode_cursor,
    keyset,
)


def test_keys_round_trip():
    some_id = new_id()
    assert decode_cursor(encode_cursor(some_id), uuid.UUID) == (some_id,)
    assert decode_cursor(encode_cursor(("ann", 42)), str, int) == ("ann", 42)


@pytest.mark.parametrize(
    ("cursor", "kinds"),
    [
        ("%%%", (uuid.UUID,)),
        ("!!", (uuid.UUID,)),
        (encode_cursor("not-a-uuid"), (uuid.UUID,)),
        (encode_cursor(("ann", 42)), (uuid.UUID,)),  # wrong arity
        (encode_cursor(("ann", "42")), (str, int)),  # wrong type
        (encode_cursor(("ann", True)), (str, int)),  # a bool is no int key
        ("eyJhIjoxfQ", (str,)),  # JSON, but an object
        ("/w", (str,)),  # not UTF-8
    ],
)
def test_anything_else_is_an_invalid_cursor(cursor, kinds):
    with pytest.raises(InvalidCursor) as raised:
        decode_cursor(cursor, *kinds)
    assert (raised.value.status, raised.value.code) == (400, "invalid_cursor")


def test_a_page_links_to_the_next_only_when_there_is_one():
    rows = [new_id() for _ in range(3)]
    full = PageRequest[uuid.UUID](limit=2).page(rows, key=lambda r: r, item=str)
    assert full.items == [str(rows[0]), str(rows[1])]
    assert full.next_cursor is not None
    assert decode_cursor(full.next_cursor, uuid.UUID) == (rows[1],)
    last = PageRequest[uuid.UUID](limit=3).page(rows, key=lambda r: r, item=str)
    assert last.next_cursor is None


def test_the_dependency_validates_limit_and_cursor():
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/ids")
    def ids(page: IdPageDep) -> dict:
        return {"limit": page.limit, "after": str(page.after)}

    @app.get("/names")
    def names(page: Annotated[PageRequest[tuple[str, int]], Depends(keyset(str, int))]) -> dict:
        return {"after": list(page.after or ())}

    client = TestClient(app)
    some_id = new_id()
    assert client.get("/ids", params={"cursor": encode_cursor(some_id)}).json() == {
        "limit": 20,
        "after": str(some_id),
    }
    assert client.get("/names", params={"cursor": encode_cursor(("ann", 7))}).json() == {
        "after": ["ann", 7]
    }
    assert client.get("/ids", params={"limit": 101}).status_code == 422
    assert client.get("/ids", params={"limit": 0}).status_code == 422
    bad = client.get("/ids", params={"cursor": encode_cursor(("ann", 7))})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_cursor"
