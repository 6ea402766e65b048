"""The inbox loop: stored activities applied through social's and media's internal APIs.

Rows are claimed with FOR UPDATE SKIP LOCKED and a lease, so every replica can run the
loop. One actor's activities are applied in the order they came (a Create before its
Update, a Follow before its Undo); different actors' run side by side. An outage of social
or media (503) retries the row with back-off; anything else wrong with it is final."""

import asyncio
import logging
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import transaction
from common.errors import ApiError, DependencyUnavailable
from common.loops import BackgroundLoop
from federation.activitypub import PUBLIC, Urls, host_of, ref, refs
from federation.clients.internal import Refused
from federation.clients.media import MediaClient
from federation.clients.social import SocialClient
from federation.config import Settings
from federation.delivery.service import enqueue
from federation.follows.models import InboundFollow, OutboundFollow
from federation.inbox.models import InboundActivity
from federation.remote.fetcher import Fetcher
from federation.remote.models import RemoteActor
from federation.remote.service import RemoteActors
from federation.text import html_to_text

logger = logging.getLogger(__name__)

NOTE_TYPES = {"Note", "Article", "Question"}
ATTACHMENT_TYPES = {"Image", "Document"}


class Ignored(Exception):
    """An activity we take no action on (not addressed to us, not of a kind we keep)."""


class InboxProcessor:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        settings: Settings,
        urls: Urls,
        social: SocialClient,
        media: MediaClient,
        actors: RemoteActors,
        fetcher: Fetcher,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.urls = urls
        self.social = social
        self.media = media
        self.actors = actors
        self.fetcher = fetcher

    def loop(self) -> BackgroundLoop:
        return BackgroundLoop(
            "federation inbox", self.step, interval_seconds=self.settings.inbox_interval_seconds
        )

    async def step(self) -> bool:
        claimed = await self._claim()
        by_actor: dict[str, list[uuid.UUID]] = defaultdict(list)
        for row_id, actor_uri in claimed:
            by_actor[actor_uri].append(row_id)
        await asyncio.gather(*(self._apply_in_order(ids) for ids in by_actor.values()))
        return len(claimed) == self.settings.inbox_batch_size

    async def _claim(self) -> list[tuple[uuid.UUID, str]]:
        now = datetime.now(UTC)
        due = (
            select(InboundActivity.id)
            .where(InboundActivity.processed_at.is_(None), InboundActivity.next_attempt_at <= now)
            .order_by(InboundActivity.received_at)
            .limit(self.settings.inbox_batch_size)
            .with_for_update(skip_locked=True)
        )
        async with transaction(self.sessionmaker) as session:
            result = await session.execute(
                update(InboundActivity)
                .where(InboundActivity.id.in_(due.scalar_subquery()))
                .values(next_attempt_at=now + timedelta(seconds=self.settings.inbox_lease_seconds))
                .returning(
                    InboundActivity.id, InboundActivity.actor_uri, InboundActivity.received_at
                )
            )
            return [(row.id, row.actor_uri) for row in sorted(result, key=lambda r: r.received_at)]

    async def _apply_in_order(self, ids: list[uuid.UUID]) -> None:
        for row_id in ids:
            await self._apply_one(row_id)

    async def _apply_one(self, row_id: uuid.UUID) -> None:
        error: str | None = None
        retry = False
        try:
            async with transaction(self.sessionmaker) as session:
                row = await session.get(InboundActivity, row_id)
                if row is None:
                    return
                await self.apply(session, row.activity, actor_uri=row.actor_uri)
        except Ignored:
            pass
        except DependencyUnavailable as exc:
            error, retry = exc.code, True
        except ApiError as exc:
            error = exc.code
        except Exception as exc:
            # A bug or a malformed activity we failed to foresee: logged, never retried
            # forever, never taking the loop down.
            error = type(exc).__name__
            logger.warning("an inbound activity failed (%s)", error, exc_info=exc)
        await self._settle(row_id, error=error, retry=retry)

    async def _settle(self, row_id: uuid.UUID, *, error: str | None, retry: bool) -> None:
        async with transaction(self.sessionmaker) as session:
            row = await session.get(InboundActivity, row_id)
            if row is None:
                return
            row.last_error = error
            row.attempts += 1
            if retry and row.attempts < self.settings.inbox_max_attempts:
                delay = self.settings.inbox_retry_base_seconds * 2 ** (row.attempts - 1)
                row.next_attempt_at = datetime.now(UTC) + timedelta(seconds=delay)
                return
            if error:
                logger.info("an inbound %s was dropped: %s", row.activity.get("type"), error)
            row.processed_at = datetime.now(UTC)

    # The activities.
    async def apply(
        self, session: AsyncSession, activity: dict[str, Any], *, actor_uri: str
    ) -> None:
        kind = activity.get("type")
        handler = {
            "Follow": self._follow,
            "Accept": self._accept,
            "Reject": self._reject,
            "Undo": self._undo,
            "Create": self._create_or_update,
            "Update": self._create_or_update,
            "Delete": self._delete,
            "Like": self._like,
            "Announce": self._announce,
            "Block": self._block,
        }.get(str(kind))
        if handler is None:
            raise Ignored()
        await handler(session, activity, actor_uri)

    async def _follow(
        self, session: AsyncSession, activity: dict[str, Any], actor_uri: str
    ) -> None:
        username = self.urls.local_username(ref(activity.get("object")) or "")
        activity_uri = ref(activity)
        if username is None or activity_uri is None:
            raise Ignored()
        actor = await self.actors.profile(session, actor_uri)
        state = await self.social.follow(actor_uri=actor_uri, username=username)
        if state is None:
            raise Ignored()
        await session.merge(
            InboundFollow(actor_uri=actor_uri, username=username, activity_uri=activity_uri)
        )
        # A public account's follow stands at once; a private one's waits for the owner
        # (social's follow.approved / follow.rejected events send the answer).
        if state == "accepted":
            await self.answer_follow(
                session, actor=actor, username=username, follow_uri=activity_uri, accept=True
            )

    async def answer_follow(
        self,
        session: AsyncSession,
        *,
        actor: RemoteActor,
        username: str,
        follow_uri: str,
        accept: bool,
    ) -> None:
        local = self.urls.actor(username)
        answer = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": self.urls.activity(str(uuid.uuid4())),
            "type": "Accept" if accept else "Reject",
            "actor": local,
            # Embedded whole: Mastodon matches its follow request by this id.
            "object": {
                "id": follow_uri,
                "type": "Follow",
                "actor": actor.actor_uri,
                "object": local,
            },
        }
        await enqueue(session, activity=answer, signer=username, inboxes=[actor.inbox])

    async def _our_follow(
        self, session: AsyncSession, activity: dict[str, Any], actor_uri: str
    ) -> OutboundFollow:
        """Our Follow that an Accept or Reject answers, by its id or as embedded."""
        followed = activity.get("object")
        follow_uri = ref(followed)
        row = await session.get(OutboundFollow, follow_uri) if follow_uri else None
        if row is None and isinstance(followed, dict):
            username = self.urls.local_username(ref(followed.get("actor")) or "")
            query = select(OutboundFollow).where(
                OutboundFollow.username == username, OutboundFollow.actor_uri == actor_uri
            )
            row = (await session.scalars(query)).first()
        if row is None or row.actor_uri != actor_uri:
            raise Ignored()
        return row

    async def _accept(
        self, session: AsyncSession, activity: dict[str, Any], actor_uri: str
    ) -> None:
        row = await self._our_follow(session, activity, actor_uri)
        await self.social.follow_answer(username=row.username, actor_uri=actor_uri, accepted=True)

    async def _reject(
        self, session: AsyncSession, activity: dict[str, Any], actor_uri: str
    ) -> None:
        row = await self._our_follow(session, activity, actor_uri)
        await self.social.follow_answer(username=row.username, actor_uri=actor_uri, accepted=False)
        await session.delete(row)

    async def _undo(self, session: AsyncSession, activity: dict[str, Any], actor_uri: str) -> None:
        undone = activity.get("object")
        if not isinstance(undone, dict):
            # Only an id: find what it named among the follows we keep.
            follow = await session.scalar(
                select(InboundFollow).where(InboundFollow.activity_uri == ref(undone))
            )
            if follow is None:
                raise Ignored()
            undone = {"type": "Follow", "object": self.urls.actor(follow.username)}
        if ref(undone.get("actor")) not in (None, actor_uri):
            raise Ignored()
        target = ref(undone.get("object")) or ""
        if undone.get("type") == "Follow":
            username = self.urls.local_username(target)
            if username is None:
                raise Ignored()
            await self.social.unfollow(actor_uri=actor_uri, username=username)
            existing = await session.get(InboundFollow, (actor_uri, username))
            if existing is not None:
                await session.delete(existing)
        elif undone.get("type") == "Like":
            note = self.urls.local_note(target)
            if note is None:
                raise Ignored()
            await self.social.unlike(actor_uri=actor_uri, object_id=note[1])
        else:
            raise Ignored()

    async def _block(self, session: AsyncSession, activity: dict[str, Any], actor_uri: str) -> None:
        """Someone elsewhere blocked one of ours: the follows between them end, both ways, as
        Mastodon ends them (what the blocked then sees is the other server's to refuse)."""
        username = self.urls.local_username(ref(activity.get("object")) or "")
        if username is None:
            raise Ignored()
        await self.social.unfollow(actor_uri=actor_uri, username=username)
        theirs = await session.get(InboundFollow, (actor_uri, username))
        if theirs is not None:
            await session.delete(theirs)
        ours = await session.scalar(
            select(OutboundFollow).where(
                OutboundFollow.username == username, OutboundFollow.actor_uri == actor_uri
            )
        )
        if ours is not None:
            await self.social.follow_answer(username=username, actor_uri=actor_uri, accepted=False)
            await session.delete(ours)

    async def _like(self, session: AsyncSession, activity: dict[str, Any], actor_uri: str) -> None:
        note = self.urls.local_note(ref(activity.get("object")) or "")
        if note is None:
            raise Ignored()
        await self.actors.profile(session, actor_uri)
        await self.social.like(actor_uri=actor_uri, object_id=note[1])

    async def _create_or_update(
        self, session: AsyncSession, activity: dict[str, Any], actor_uri: str
    ) -> None:
        obj = activity.get("object")
        kind = obj.get("type") if isinstance(obj, dict) else None
        if activity["type"] == "Update" and kind in {"Person", "Service", "Application", "Group"}:
            if ref(obj) != actor_uri:
                raise Ignored()
            # Fetched, not taken from the body: the signed document is the actor's own.
            await self.actors.profile(session, actor_uri, refresh=True)
            return
        if not isinstance(obj, dict) or kind not in NOTE_TYPES:
            raise Ignored()
        # An embedded Note is the actor's own only if its id is on the actor's server.
        if host_of(ref(obj) or "") != host_of(actor_uri):
            raise Ignored()
        await self.store_note(session, obj, author_uri=actor_uri)

    async def store_note(
        self, session: AsyncSession, note: dict[str, Any], *, author_uri: str
    ) -> None:
        """Keep a Note of `author_uri` as a remote post or comment in social."""
        if ref(note.get("attributedTo")) != author_uri:
            raise Ignored()
        audience = set(refs(note.get("to"))) | set(refs(note.get("cc")))
        # Social keeps remote posts without an audience of their own, so only public
        # ones (Public in to or cc) are kept: a followers-only or direct Note shown to
        # everyone would leak it.
        if PUBLIC not in audience and "as:Public" not in audience and "Public" not in audience:
            raise Ignored()
        actor = await self.actors.profile(session, author_uri)
        assert actor.profile_id is not None
        images = []
        for item in note.get("attachment") or []:
            if not isinstance(item, dict) or item.get("type") not in ATTACHMENT_TYPES:
                continue
            if not str(item.get("mediaType", "image/")).startswith("image/"):
                continue
            url = ref(item.get("url")) or (
                ref(item["url"][0]) if isinstance(item.get("url"), list) and item["url"] else None
            )
            if url is None:
                continue
            try:
                media = await self.media.remote_media(url=url, owner_id=str(actor.profile_id))
            except Refused:
                logger.info("an image of a remote post was refused by media")
                continue
            images.append(
                {
                    "media_id": media["id"],
                    "alt": str(item.get("name") or ""),
                    "width": media["width"],
                    "height": media["height"],
                    "blurhash": media.get("blurhash"),
                }
            )
        url = note.get("url")
        await self.social.put_remote_object(
            {
                "uri": note["id"],
                "actor_uri": author_uri,
                "text": html_to_text(str(note.get("content") or "")),
                "sensitive": bool(note.get("sensitive")),
                "spoiler_text": str(note.get("summary") or ""),
                "published": note.get("published") or datetime.now(UTC).isoformat(),
                "updated": note.get("updated"),
                "in_reply_to": ref(note.get("inReplyTo")),
                "url": ref(url[0] if isinstance(url, list) and url else url),
                "images": images,
            }
        )

    async def _delete(
        self, session: AsyncSession, activity: dict[str, Any], actor_uri: str
    ) -> None:
        target = ref(activity.get("object"))
        if target is None:
            raise Ignored()
        if target == actor_uri:
            await self.social.delete_remote_account(actor_uri)
            await session.execute(delete(RemoteActor).where(RemoteActor.actor_uri == actor_uri))
            await session.execute(delete(InboundFollow).where(InboundFollow.actor_uri == actor_uri))
            await session.execute(
                delete(OutboundFollow).where(OutboundFollow.actor_uri == actor_uri)
            )
            return
        # A server deletes its own objects only.
        if host_of(target) != host_of(actor_uri):
            raise Ignored()
        await self.social.delete_remote_object(target)

    async def _announce(
        self, session: AsyncSession, activity: dict[str, Any], actor_uri: str
    ) -> None:
        """A boost: the announced Note is fetched from its own server (never trusted as
        embedded) and kept as its author's post when it has images."""
        target = ref(activity.get("object"))
        if target is None or self.urls.local_note(target) is not None:
            raise Ignored()
        found_at, note = await self.fetcher.get_json(session, target)
        author = ref(note.get("attributedTo"))
        if (
            note.get("type") not in NOTE_TYPES
            or host_of(ref(note) or "") != host_of(found_at)
            or author is None
            or host_of(author) != host_of(found_at)
        ):
            raise Ignored()
        await self.store_note(session, note, author_uri=author)
