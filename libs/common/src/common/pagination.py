"""Keyset pagination for every service: `?limit=&cursor=` in, `{items, next_cursor}` out.

A cursor is the sort key of a page's last row (a time-ordered id, or a tuple such as
`(username, id)`), encoded so clients treat it as opaque. The next page is "after that
key", which never repeats or skips a row when rows arrive between requests (OFFSET would).
Queries fetch `limit + 1` rows: the extra one only says whether a next page exists.
"""

import base64
import binascii
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from common.errors import ApiError
from common.openapi import raises

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Far above any key this code encodes; bounds what a client can make us decode.
MAX_CURSOR_LENGTH = 512
# What encode_cursor writes: unpadded URL-safe base64.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"

T = TypeVar("T")
K = TypeVar("K")
Row = TypeVar("Row")
KeyPart = str | int | uuid.UUID


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class InvalidCursor(ApiError):
    status = 400
    code = "invalid_cursor"
    message = "The cursor is not one this API gave out"


def encode_cursor(key: KeyPart | tuple[KeyPart, ...]) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    values = [str(p) if isinstance(p, uuid.UUID) else p for p in parts]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _part(value: object, kind: type[KeyPart]) -> KeyPart:
    if kind is uuid.UUID and isinstance(value, str):
        return uuid.UUID(value)
    if type(value) is kind:  # bool is an int to isinstance, never a key here
        return value
    raise ValueError(f"not a {kind.__name__}")


def decode_cursor(cursor: str, *kinds: type[KeyPart]) -> tuple[Any, ...]:
    """The key a cursor holds, checked part by part against `kinds` (400 otherwise)."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("wrong arity")
        return tuple(_part(v, kind) for v, kind in zip(values, kinds, strict=True))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor() from exc


@dataclass(frozen=True)
class PageRequest(Generic[K]):
    """One page asked for: its size, and the key of the previous page's last row."""

    limit: int
    after: K | None = None

    def cut(
        self, rows: Sequence[Row], *, key: Callable[[Row], K]
    ) -> tuple[Sequence[Row], str | None]:
        """The page's rows of `rows` (fetched with `limit + 1`) and the cursor to the next."""
        if len(rows) <= self.limit:
            return rows, None
        last_key: Any = key(rows[self.limit - 1])
        return rows[: self.limit], encode_cursor(last_key)

    def page(
        self, rows: Sequence[Row], *, key: Callable[[Row], K], item: Callable[[Row], T]
    ) -> Page[T]:
        """The page of `rows` (fetched with `limit + 1`) and the cursor to the next one."""
        shown, next_cursor = self.cut(rows, key=key)
        return Page(items=[item(row) for row in shown], next_cursor=next_cursor)


def keyset(*kinds: type[KeyPart]) -> Callable[..., Awaitable[PageRequest[Any]]]:
    """A dependency reading `?limit=&cursor=` for lists sorted by a key of these `kinds`;
    with one kind, `after` is that value, with several a tuple."""

    @raises(InvalidCursor)
    async def page_request(
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        cursor: Annotated[
            str | None,
            Query(
                max_length=MAX_CURSOR_LENGTH,
                pattern=CURSOR_PATTERN,
                description="The `next_cursor` of the previous page; 400 for one this API "
                "did not give out.",
            ),
        ] = None,
    ) -> PageRequest[Any]:
        if cursor is None:
            return PageRequest(limit=limit)
        key = decode_cursor(cursor, *kinds)
        return PageRequest(limit=limit, after=key[0] if len(kinds) == 1 else key)

    return page_request


# Lists sorted by a time-ordered id, the usual case.
IdPageDep = Annotated[PageRequest[uuid.UUID], Depends(keyset(uuid.UUID))]
