"""Ids: UUIDv7, time-ordered, so a primary key is also a keyset-pagination cursor."""

import uuid

import uuid_utils


def new_id() -> uuid.UUID:
    return uuid.UUID(bytes=uuid_utils.uuid7().bytes)
