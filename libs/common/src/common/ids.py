"""Ids: UUIDv7, time-ordered, so a primary key is also a keyset-pagination cursor."""

import uuid
from typing import TypeAlias

import uuid_utils

# A user, as auth names it (the access token's `sub`) and as every service stores it.
UserId: TypeAlias = uuid.UUID


def new_id() -> uuid.UUID:
    return uuid.UUID(bytes=uuid_utils.uuid7().bytes)
