"""Mastodon's paging: `max_id` (older than), `since_id` (newer than, the newest first),
`min_id` (newer than, the ones right after it), `limit` (20, at most 40), and the `Link`
header with the `next` (older) and `prev` (newer) pages.

Our lists walk their indexes newest first from a cursor, so `max_id` is the list's own
cursor, and `since_id` takes the newest page and keeps what is newer than the id (exactly
Mastodon's `since_id`, which may leave a gap behind the page). `min_id` is how clients load
newer posts without a gap, so it gets a statement of its own per list: the `limit` rows
right after the id, picked oldest first by a forward walk of the same index, and answered
newest first as every Mastodon list is (Mastodon's `paginate_by_min_id(...).reverse`).
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
    since_id: uuid.UUID | None = None
    # When set, the page is read forward from it (Mastodon prefers it to since_id).
    min_id: uuid.UUID | None = None

    def keep(self, rows: Sequence[Any], key: Callable[[Any], uuid.UUID]) -> list[Any]:
        """The rows of this page, of rows read newest first: from `max_id` down (cut at
        `since_id`), or, for `min_id`, the forward read's rows (cut at `max_id`)."""
        if self.min_id is not None:
            return [row for row in rows if self.max_id is None or key(row) < self.max_id]
        kept = [row for row in rows if self.since_id is None or key(row) > self.since_id]
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
        since_id=_id(since_id),
        min_id=_id(min_id),
    )


TimelinePageDep = Annotated[TimelinePage, Depends(timeline_page)]


def link_header(request: Request, public_url: str, ids: Sequence[str]) -> str | None:
    """`Link: <...max_id=last>; rel="next", <...min_id=first>; rel="prev"`, keeping the
    request's other parameters; none for an empty page. `ids` are the page's keys, newest
    first (a status's id, a follow's for a list of accounts)."""
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
