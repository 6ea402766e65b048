"""Every fetch we make of the fediverse: through common.remote_fetch (SSRF rules, size and
depth limits), signed by the instance actor (servers in authorized-fetch mode refuse
unsigned GETs), never to a blocked domain."""

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from common.remote_fetch import FetchPolicy, RemoteFailed, RemoteRefused, fetch, load_json
from federation.activitypub import ACTIVITY_TYPES, INSTANCE, LD_JSON, Urls, host_of
from federation.config import Settings
from federation.domains.repository import is_blocked
from federation.keys.service import KeyStore
from federation.signatures import sign_headers


class Fetcher:
    def __init__(
        self, http: httpx.AsyncClient, *, settings: Settings, keys: KeyStore, urls: Urls
    ) -> None:
        self.http = http
        self.keys = keys
        self.urls = urls
        self.allow_private = settings.allow_private_peers
        self.policy = FetchPolicy(
            allow_private=settings.allow_private_peers,
            max_bytes=settings.fetch_max_bytes,
            timeout=settings.fetch_timeout_seconds,
        )
        self.max_depth = settings.inbox_max_depth

    async def get_json(
        self, session: AsyncSession, url: str, *, accept: str = LD_JSON
    ) -> tuple[str, dict[str, Any]]:
        """(the URL it was found at after redirects, the JSON object there)."""
        if await is_blocked(session, host_of(url)):
            raise RemoteRefused("This domain is blocked")
        key = await self.keys.key(session, INSTANCE)
        headers = sign_headers(
            "GET", url, key_id=self.urls.key_id(INSTANCE), private_key=key.private_key
        ) | {"Accept": accept}
        accepted = ("application/jrd+json", "application/json") if "jrd" in accept else None
        response, body = await fetch(
            self.http,
            "GET",
            url,
            policy=self.policy,
            headers=headers,
            accept_types=accepted or ACTIVITY_TYPES,
        )
        document = load_json(body, max_depth=self.max_depth)
        if not isinstance(document, dict):
            raise RemoteFailed("The remote answered something other than a JSON object")
        return str(response.request.url), document

    def origins(self, host: str) -> list[str]:
        """Where a bare host is asked (WebFinger): https, and plain http too where private
        peers are allowed (the test suite's and a LAN's servers speak http)."""
        return [f"https://{host}", f"http://{host}"] if self.allow_private else [f"https://{host}"]
