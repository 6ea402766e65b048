"""Opaque keyset cursors: `?limit=` (default 20, max 100) and `?cursor=`."""

import base64
import json
from typing import Annotated, Any

from fastapi import Query

from common.errors import ApiError

LimitQuery = Annotated[int, Query(ge=1, le=100)]


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError as exc:
        raise ApiError("The cursor is not one this API gave out", code="invalid_cursor") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise ApiError("The cursor is not one this API gave out", code="invalid_cursor")
    return values
