"""Ids as they arrive in paths: opaque strings to clients, UUIDs here."""

import uuid

from common.errors import NotFound


def parse_id(value: str, *, what: str) -> uuid.UUID:
    """A malformed id names nothing that exists: 404, like an unknown one."""
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise NotFound(f"{what.capitalize()} not found", code=f"{what}_not_found") from exc
