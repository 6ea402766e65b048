"""`GET /api/v2/search` and `/api/v1/accounts/search`, as a Mastodon server without a
full-text index answers them: accounts by username prefix, the hashtag the query names,
and statuses only by URL (one of our posts' links, its comments' too), never by their
words (captions have no full-text index, as Mastodon's statuses have none without
Elasticsearch)."""

import re
import uuid
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import NotFound
from social.links import Links
from social.mastodon import replies, repository
from social.mastodon.dependencies import thread_of
from social.mastodon.schemas import Account, SearchResults, Status, Tag
from social.mastodon.service import account
from social.mastodon.statuses import tag_url
from social.profiles import repository as profiles_repository
from social.tags.parsing import normalize_tag

# A post's web page (`/p/{id}`, a comment's with `#comment-{id}`), or the
# ActivityPub-style `/users/{username}/statuses/{id}` a Mastodon user may paste.
_STATUS_PATH = re.compile(r"^/(?:p|users/[^/]+/statuses)/([0-9a-fA-F-]{32,36})/?$")


async def search_accounts(
    *,
    session: AsyncSession,
    query: str,
    viewer_id: uuid.UUID | None,
    limit: int,
    links: Links,
) -> list[Account]:
    """Accounts whose username starts with the query (the people search's index range)."""
    prefix = query.strip().removeprefix("@").split("@", 1)[0]
    if not prefix:
        return []
    rows = await profiles_repository.search(
        session, prefix=prefix, viewer_id=viewer_id, after=None, limit=limit
    )
    return [account(row[0], links) for row in rows]


def _status_id(query: str, links: Links) -> str | None:
    """The post or comment id a URL of ours names; None for anything else."""
    url = urlsplit(query.strip())
    ours = urlsplit(links.public_url)
    if (url.scheme, url.netloc) != (ours.scheme, ours.netloc):
        return None
    match = _STATUS_PATH.match(url.path)
    if match is None:
        return None
    return (
        url.fragment.removeprefix("comment-") if url.fragment.startswith("comment-") else match[1]
    )


async def _status_at(
    *, session: AsyncSession, query: str, viewer_id: uuid.UUID | None, links: Links
) -> list[Status]:
    status_id = _status_id(query, links)
    if status_id is None:
        return []
    try:
        thread = await thread_of(status_id, session, viewer_id)
    except NotFound:
        return []  # not there, or not for this viewer: found nothing, as Mastodon says
    shown = await replies.view(session=session, thread=thread, viewer_id=viewer_id, links=links)
    return [Status.model_validate(shown)]


async def search(
    *,
    session: AsyncSession,
    query: str,
    kind: str | None,
    viewer_id: uuid.UUID | None,
    limit: int,
    links: Links,
) -> SearchResults:
    """`GET /api/v2/search`: the status a URL of ours names, or accounts by username
    prefix and the hashtag the query names when posts carry it."""
    statuses = (
        await _status_at(session=session, query=query, viewer_id=viewer_id, links=links)
        if kind in (None, "statuses")
        else []
    )
    if statuses or kind == "statuses":
        return SearchResults(accounts=[], statuses=statuses, hashtags=[])
    accounts: list[Account] = []
    hashtags: list[Tag] = []
    if kind in (None, "accounts"):
        accounts = await search_accounts(
            session=session, query=query, viewer_id=viewer_id, limit=limit, links=links
        )
    tag = normalize_tag(query.strip().removeprefix("#"))
    if kind in (None, "hashtags") and tag and await repository.tag_in_use(session, tag):
        hashtags = [Tag(name=tag, url=tag_url(links, tag))]
    return SearchResults(accounts=accounts, statuses=[], hashtags=hashtags)
