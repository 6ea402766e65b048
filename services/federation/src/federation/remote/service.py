"""Remote actors: fetched, checked, cached; and made known to social as profiles."""

import asyncio
import logging
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import transaction
from common.errors import ApiError, NotFound
from common.remote_fetch import RemoteFailed
from federation.activitypub import ref
from federation.clients.internal import Refused
from federation.clients.media import MediaClient
from federation.clients.social import SocialClient
from federation.config import Settings
from federation.remote.fetcher import Fetcher
from federation.remote.models import RemoteActor
from federation.text import html_to_text

logger = logging.getLogger(__name__)

ACTOR_TYPES = {"Person", "Service", "Application", "Group", "Organization"}

# Stale actors fetched again at once in the background: a fan-out to a thousand followers
# must not become a thousand fetches at the same moment.
REFRESH_CONCURRENCY = 8


class InvalidActor(ApiError):
    status, code, message = 422, "invalid_actor", "The remote actor document is not usable"


class RemoteAccountNotFound(NotFound):
    code, message = "remote_account_not_found", "No such account on that server"


def _strip_fragment(uri: str) -> str:
    return uri.split("#", 1)[0]


def _public_key(document: dict[str, Any], actor_uri: str) -> tuple[str, str]:
    """(key id, PEM) of the actor's key: publicKey may be one object or a list of them."""
    keys = document.get("publicKey")
    for key in keys if isinstance(keys, list) else [keys]:
        if (
            isinstance(key, dict)
            and isinstance(key.get("id"), str)
            and isinstance(key.get("publicKeyPem"), str)
            and ref(key.get("owner")) in (None, actor_uri)
        ):
            return key["id"], key["publicKeyPem"]
    raise InvalidActor("The actor has no public key")


def _username(document: dict[str, Any], actor_uri: str) -> str:
    """preferredUsername, else the last non-empty segment of the actor's path. A key needs
    no username, and some actors have none (fediverse-pasture's emily and frank, a few
    servers); social still names the profile user@host, and the id's last segment is
    what such servers put there (/actor/emily), the host alone if the path is empty."""
    username = document.get("preferredUsername")
    if isinstance(username, str) and username:
        return username
    segments = [segment for segment in urlsplit(actor_uri).path.split("/") if segment]
    return segments[-1] if segments else urlsplit(actor_uri).hostname or actor_uri


def _actor_fields(document: dict[str, Any], found_at: str) -> dict[str, Any]:
    """The cache row of an actor document, checked: an actor of the server it came from."""
    actor_uri = document.get("id")
    if not isinstance(actor_uri, str) or document.get("type") not in ACTOR_TYPES:
        raise InvalidActor("Not an actor")
    # A server speaks for its own actors only: an actor claiming another host's id is a lie.
    if urlsplit(actor_uri).netloc.lower() != urlsplit(found_at).netloc.lower():
        raise InvalidActor("The actor's id is on another host than the document")
    inbox = document.get("inbox")
    if not isinstance(inbox, str):
        raise InvalidActor("The actor has no inbox")
    key_id, pem = _public_key(document, actor_uri)
    endpoints = document.get("endpoints")
    shared = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    return {
        "actor_uri": actor_uri,
        "key_id": key_id,
        "public_key_pem": pem,
        "inbox": inbox,
        "shared_inbox": shared if isinstance(shared, str) else None,
        "username": _username(document, actor_uri),
        "host": urlsplit(actor_uri).netloc.lower(),
        "fetched_at": datetime.now(UTC),
    }


class RemoteActors:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        fetcher: Fetcher,
        social: SocialClient,
        media: MediaClient,
        settings: Settings,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.fetcher = fetcher
        self.social = social
        self.media = media
        self.max_age = timedelta(seconds=settings.actor_cache_seconds)
        self.refresh_slots = asyncio.Semaphore(REFRESH_CONCURRENCY)
        self.refreshing: set[str] = set()
        self.refresh_tasks: set[asyncio.Task[None]] = set()

    async def _store(self, session: AsyncSession, fields: dict[str, Any]) -> RemoteActor:
        update = {k: v for k, v in fields.items() if k != "actor_uri"}
        await session.execute(
            insert(RemoteActor)
            .values(**fields)
            .on_conflict_do_update(index_elements=[RemoteActor.actor_uri], set_=update)
        )
        actor = await session.get(RemoteActor, fields["actor_uri"], populate_existing=True)
        assert actor is not None
        return actor

    async def fetch_document(
        self, session: AsyncSession, uri: str
    ) -> tuple[RemoteActor, dict[str, Any]]:
        """Fetch the actor at `uri` and refresh its cache row; also its whole document."""
        found_at, document = await self.fetcher.get_json(session, uri)
        return await self._store(session, _actor_fields(document, found_at)), document

    async def actor(self, session: AsyncSession, actor_uri: str) -> RemoteActor:
        """The actor, fetched now, its cache row refreshed."""
        actor, _ = await self.fetch_document(session, actor_uri)
        if actor.actor_uri != actor_uri:
            raise InvalidActor("The actor's id differs from its URL")
        return actor

    async def cached(self, session: AsyncSession, actor_uris: Iterable[str]) -> list[RemoteActor]:
        """Those of the actors we hold a cache row of, whatever its age, in one query."""
        query = select(RemoteActor).where(RemoteActor.actor_uri.in_(set(actor_uris)))
        return list((await session.scalars(query)).all())

    def refresh_later(self, actors: Iterable[RemoteActor]) -> None:
        """Fetch again, in the background, those cached longer than actor_cache_seconds
        (inboxes move, shared inboxes appear); until then the cached row serves."""
        horizon = datetime.now(UTC) - self.max_age
        for actor in actors:
            if actor.fetched_at > horizon or actor.actor_uri in self.refreshing:
                continue
            self.refreshing.add(actor.actor_uri)
            task = asyncio.create_task(self._refresh(actor.actor_uri))
            self.refresh_tasks.add(task)
            task.add_done_callback(self.refresh_tasks.discard)

    async def _refresh(self, actor_uri: str) -> None:
        try:
            async with self.refresh_slots, transaction(self.sessionmaker) as session:
                await self.actor(session, actor_uri)
        except Exception as exc:
            # Unreachable, or no longer a usable actor: the cached row serves until the
            # next time it is found stale.
            logger.info("a stale actor could not be fetched again (%s)", type(exc).__name__)
        finally:
            self.refreshing.discard(actor_uri)

    async def close(self) -> None:
        """Cancel the refreshes under way; a row left stale is refreshed another time."""
        for task in self.refresh_tasks:
            task.cancel()
        await asyncio.gather(*self.refresh_tasks, return_exceptions=True)

    async def cached_by_key(self, session: AsyncSession, key_id: str) -> RemoteActor | None:
        query = select(RemoteActor).where(RemoteActor.key_id == key_id)
        return (await session.scalars(query.limit(1))).first()

    async def by_key(self, session: AsyncSession, key_id: str) -> RemoteActor:
        """The actor owning `key_id`, fetched now. Mastodon's key id is the actor's URL with
        a fragment; others publish the key as a document of its own naming its owner."""
        found_at, document = await self.fetcher.get_json(session, _strip_fragment(key_id))
        if document.get("type") not in ACTOR_TYPES:
            owner = ref(document.get("owner"))
            if owner is None or urlsplit(owner).netloc != urlsplit(found_at).netloc:
                raise InvalidActor("The key names no owner of its own server")
            found_at, document = await self.fetcher.get_json(session, owner)
        actor = await self._store(session, _actor_fields(document, found_at))
        if actor.key_id != key_id:
            raise InvalidActor("The actor does not own this key")
        return actor

    async def webfinger(self, session: AsyncSession, acct: str) -> str:
        """The actor id `user@host` names, by WebFinger (RFC 7033)."""
        user, _, host = acct.removeprefix("@").partition("@")
        if not user or not host or "/" in host:
            raise RemoteAccountNotFound("Name an account as user@host")
        failure: Exception = RemoteAccountNotFound()
        for origin in self.fetcher.origins(host):
            url = f"{origin}/.well-known/webfinger?resource=acct:{user}@{host}"
            try:
                _, jrd = await self.fetcher.get_json(session, url, accept="application/jrd+json")
            except RemoteFailed as exc:
                failure = RemoteAccountNotFound() if exc.upstream_status == 404 else exc
                continue
            for link in jrd.get("links") or []:
                if (
                    isinstance(link, dict)
                    and link.get("rel") == "self"
                    and isinstance(link.get("href"), str)
                    and str(link.get("type", "")).split(";")[0].strip()
                    in ("application/activity+json", "application/ld+json")
                ):
                    return str(link["href"])
            raise RemoteAccountNotFound()
        raise failure

    async def profile(
        self, session: AsyncSession, actor_uri: str, *, refresh: bool = False
    ) -> RemoteActor:
        """The actor, with a profile in social made (or brought up to date when `refresh`)."""
        cached = await session.get(RemoteActor, actor_uri)
        if cached is not None and cached.profile_id is not None and not refresh:
            return cached
        actor, document = await self.fetch_document(session, actor_uri)
        if actor.actor_uri != actor_uri:
            raise InvalidActor("The actor's id differs from its URL")
        account = {
            "actor_uri": actor.actor_uri,
            "username": f"{actor.username}@{actor.host}",
            "name": str(document.get("name") or actor.username),
            "bio": html_to_text(str(document.get("summary") or "")),
            "avatar_media_id": None,
            "manually_approves": bool(document.get("manuallyApprovesFollowers")),
        }
        known = actor.profile_id is not None
        # Media keeps the avatar under the profile's id, so a new profile comes first.
        profile_id = actor.profile_id or uuid.UUID(await self.social.put_remote_account(account))
        actor.profile_id = profile_id
        icon = document.get("icon")
        icon_url = icon.get("url") if isinstance(icon, dict) else None
        icon_url = ref(icon_url[0] if isinstance(icon_url, list) and icon_url else icon_url)
        if icon_url:
            try:
                media = await self.media.remote_media(url=icon_url, owner_id=str(profile_id))
            except Refused:
                logger.info("a remote avatar was refused by media; the profile has none")
            else:
                account["avatar_media_id"] = media["id"]
        # A new profile without an avatar was written whole above.
        if known or account["avatar_media_id"] is not None:
            await self.social.put_remote_account(account)
        await session.flush()
        return actor
