"""Mastodon's paging: `max_id` (older than), `since_id` (newer than, the newest first),
`min_id` (newer than, the ones right after it), `limit` (20, at most 40), and the `Link`
header with the `next` (older) and `prev` (newer) pages.

Our feeds walk their indexes newest first from a cursor, so `max_id` is the feed's own
cursor. `since_id` and `min_id` take the newest page and keep what is newer than the id:
exactly Mastodon's `since_id`; for `min_id` the same, which differs from Mastodon only when
more than `limit` statuses are newer (Mastodon would answer those right after `min_id`).
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request

DEFAULT_LIMIT = 20
MAX_LIMIT = 40


def _id(value: str | None) -> uuid.UUID | None:
    # Mastodon ids are opaque strings; one that is none of ours names no position.
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class TimelinePage:
    limit: int
    max_id: uuid.UUID | None
    newer_than: uuid.UUID | None  # since_id or min_id

    def keep(self, rows: Sequence[Any], key: Callable[[Any], uuid.UUID]) -> list[Any]:
        """The rows of this page, of rows read newest first from `max_id`."""
        kept = [row for row in rows if self.newer_than is None or key(row) > self.newer_than]
        return kept[: self.limit]


async def timeline_page(
    max_id: Annotated[str | None, Query(max_length=64)] = None,
    since_id: Annotated[str | None, Query(max_length=64)] = None,
    min_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = DEFAULT_LIMIT,
) -> TimelinePage:
    return TimelinePage(
        limit=min(limit, MAX_LIMIT),
        max_id=_id(max_id),
        newer_than=_id(since_id) or _id(min_id),
    )


TimelinePageDep = Annotated[TimelinePage, Depends(timeline_page)]


def link_header(request: Request, public_url: str, ids: Sequence[str]) -> str | None:
    """`Link: <...max_id=last>; rel="next", <...min_id=first>; rel="prev"`, keeping the
    request's other parameters; none for an empty page."""
    if not ids:
        return None
    kept = [
        (key, value)
        for key, value in request.query_params.multi_items()
        if key not in ("max_id", "since_id", "min_id")
    ]
    base = f"{public_url}{request.url.path}"
    next_url = f"{base}?{urlencode([*kept, ('max_id', ids[-1])])}"
    prev_url = f"{base}?{urlencode([*kept, ('min_id', ids[0])])}"
    return f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'
