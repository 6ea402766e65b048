"""Keyset pagination on UUIDv7 ids: `?limit=&cursor=` in, `{items, next_cursor}` out.

A cursor is the last id of the page, encoded so clients treat it as opaque. Because ids
are time-ordered and unique, "after this id" never repeats or skips a row when new rows
arrive between page requests (OFFSET would).
"""

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from common.errors import ApiError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

T = TypeVar("T")
Row = TypeVar("Row")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise ApiError("The cursor is not one this API gave out", code="invalid_cursor") from exc


@dataclass(frozen=True)
class PageRequest:
    limit: int
    after: uuid.UUID | None

    def next_cursor(self, rows: Sequence[Row], *, key: Callable[[Row], uuid.UUID]) -> str | None:
        """Rows fetched with `limit + 1`: the extra one only says whether a next page exists."""
        return encode_cursor(key(rows[self.limit - 1])) if len(rows) > self.limit else None

    def page(
        self, rows: Sequence[Row], *, key: Callable[[Row], uuid.UUID], item: Callable[[Row], T]
    ) -> Page[T]:
        return Page(
            items=[item(row) for row in rows[: self.limit]],
            next_cursor=self.next_cursor(rows, key=key),
        )


def page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> PageRequest:
    return PageRequest(limit=limit, after=decode_cursor(cursor) if cursor else None)


PageDep = Annotated[PageRequest, Depends(page_request)]
