"""Social's events turned into activities and queued for delivery (fed-design.md, Events).
Each is handled once: social's relay may post an event again, its id is remembered."""

import logging
import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import affected
from federation.activitypub import CONTEXT, PUBLIC, Urls, host_of
from federation.actors import documents
from federation.clients.social import SocialClient
from federation.delivery.service import enqueue, inboxes_of
from federation.events.models import HandledEvent
from federation.follows.models import InboundFollow, OutboundFollow
from federation.keys.service import KeyStore
from federation.remote.fetcher import Fetcher
from federation.remote.service import RemoteActors

logger = logging.getLogger(__name__)


class EventTranslator:
    def __init__(
        self,
        *,
        urls: Urls,
        social: SocialClient,
        actors: RemoteActors,
        keys: KeyStore,
        fetcher: Fetcher,
    ) -> None:
        self.urls = urls
        self.social = social
        self.actors = actors
        self.keys = keys
        self.fetcher = fetcher

    async def handle(self, session: AsyncSession, event: dict[str, Any]) -> None:
        """Queue the deliveries of one event, unless it was handled before."""
        result = await session.execute(
            insert(HandledEvent)
            .values(id=uuid.UUID(str(event["id"])), kind=event["kind"])
            .on_conflict_do_nothing()
        )
        if affected(result) == 0:
            return
        handler = getattr(self, "_" + str(event["kind"]).replace(".", "_"), None)
        if handler is None:
            logger.info("a social event of an unknown kind was skipped")
            return
        await handler(session, event["payload"])

    def _activity(self, kind: str, actor: str, obj: Any, **extra: Any) -> dict[str, Any]:
        return {
            "@context": CONTEXT,
            "id": self.urls.activity(str(uuid.uuid4())),
            "type": kind,
            "actor": actor,
            "object": obj,
            **extra,
        }

    async def _followers_inboxes(self, session: AsyncSession, username: str) -> set[str]:
        followers = await self.social.remote_followers(username)
        return await inboxes_of(session, actors=self.actors, actor_uris=followers, shared=True)

    async def _send(
        self,
        session: AsyncSession,
        activity: dict[str, Any],
        *,
        signer: str,
        inboxes: set[str],
    ) -> None:
        # Our own key exists before anything signed with it leaves (and before a remote
        # server fetches the actor to check it).
        await self.keys.key(session, signer)
        await enqueue(session, activity=activity, signer=signer, inboxes=inboxes)

    async def _post_audience_inboxes(self, session: AsyncSession, post: dict[str, Any]) -> set[str]:
        """Followers' servers; for a public post also the mentioned and a remote parent's
        author. A followers-only post reaches approved followers only."""
        inboxes = await self._followers_inboxes(session, post["author_username"])
        if post["visibility"] != "public":
            return inboxes
        extra = [m["actor_uri"] for m in post.get("mentions") or [] if m.get("actor_uri")]
        parent = post.get("in_reply_to")
        if parent and self.urls.local_note(parent) is None:
            try:
                _, note = await self.fetcher.get_json(session, parent)
            except Exception:
                logger.info("a reply's remote parent could not be fetched; its author is not told")
            else:
                author = note.get("attributedTo")
                if isinstance(author, str) and host_of(author) == host_of(parent):
                    extra.append(author)
        return inboxes | await inboxes_of(
            session, actors=self.actors, actor_uris=extra, shared=False
        )

    async def _note_activity(self, session: AsyncSession, object_id: str, kind: str) -> None:
        post = await self.social.object(object_id)
        if post is None:
            return
        note = documents.note(post, self.urls)
        if kind == "Create":
            activity = {"@context": CONTEXT, **documents.create(post, self.urls)}
        else:
            activity = self._activity(
                kind, note["attributedTo"], note, to=note["to"], cc=note["cc"]
            )
        inboxes = await self._post_audience_inboxes(session, post)
        await self._send(session, activity, signer=post["author_username"], inboxes=inboxes)

    async def _post_created(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        await self._note_activity(session, payload["post_id"], "Create")

    async def _post_updated(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        await self._note_activity(session, payload["post_id"], "Update")

    async def _comment_created(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        await self._note_activity(session, payload["comment_id"], "Create")

    async def _delete_note(
        self, session: AsyncSession, username: str, object_id: str, extra: list[str], public: bool
    ) -> None:
        note_id = self.urls.note(username, object_id)
        actor = self.urls.actor(username)
        activity = self._activity(
            "Delete",
            actor,
            {"id": note_id, "type": "Tombstone"},
            to=[PUBLIC] if public else [f"{actor}/followers"],
        )
        activity["id"] = f"{note_id}#delete"
        inboxes = await self._followers_inboxes(session, username)
        inboxes |= await inboxes_of(session, actors=self.actors, actor_uris=extra, shared=False)
        await self._send(session, activity, signer=username, inboxes=inboxes)

    async def _post_deleted(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        await self._delete_note(
            session,
            payload["author_username"],
            payload["post_id"],
            [],
            public=payload.get("visibility") == "public",
        )

    async def _comment_deleted(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        parent_author = payload.get("post_author_actor_uri")
        await self._delete_note(
            session,
            payload["author_username"],
            payload["comment_id"],
            [parent_author] if parent_author else [],
            public=True,
        )

    def _like_id(self, username: str, post_id: str) -> str:
        # Deterministic (Mastodon's form): the Undo names the very Like it takes back.
        return f"{self.urls.actor(username)}#likes/{post_id}"

    async def _like(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        if not payload.get("post_uri") or not payload.get("post_author_actor_uri"):
            return None
        return {
            "id": self._like_id(payload["username"], payload["post_id"]),
            "type": "Like",
            "actor": self.urls.actor(payload["username"]),
            "object": payload["post_uri"],
        }

    async def _like_created(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        like = await self._like(payload)
        if like is None:
            return
        inboxes = await inboxes_of(
            session, actors=self.actors, actor_uris=[payload["post_author_actor_uri"]], shared=False
        )
        await self._send(
            session, {"@context": CONTEXT, **like}, signer=payload["username"], inboxes=inboxes
        )

    async def _like_deleted(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        like = await self._like(payload)
        if like is None:
            return
        undo = self._activity("Undo", like["actor"], like)
        inboxes = await inboxes_of(
            session, actors=self.actors, actor_uris=[payload["post_author_actor_uri"]], shared=False
        )
        await self._send(session, undo, signer=payload["username"], inboxes=inboxes)

    async def _follow_requested(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        username, actor_uri = payload["username"], payload["actor_uri"]
        follow = self._activity("Follow", self.urls.actor(username), actor_uri)
        existing = await session.scalar(
            select(OutboundFollow).where(
                OutboundFollow.username == username, OutboundFollow.actor_uri == actor_uri
            )
        )
        if existing is not None:
            await session.delete(existing)
            await session.flush()
        session.add(
            OutboundFollow(activity_uri=follow["id"], username=username, actor_uri=actor_uri)
        )
        inboxes = await inboxes_of(
            session, actors=self.actors, actor_uris=[actor_uri], shared=False
        )
        await self._send(session, follow, signer=username, inboxes=inboxes)

    async def _follow_undone(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        username, actor_uri = payload["username"], payload["actor_uri"]
        row = await session.scalar(
            select(OutboundFollow).where(
                OutboundFollow.username == username, OutboundFollow.actor_uri == actor_uri
            )
        )
        await self._undo_follow(session, username, actor_uri, row)

    async def _undo_follow(
        self, session: AsyncSession, username: str, actor_uri: str, row: OutboundFollow | None
    ) -> None:
        local = self.urls.actor(username)
        follow = {
            "id": row.activity_uri if row else self.urls.activity(str(uuid.uuid4())),
            "type": "Follow",
            "actor": local,
            "object": actor_uri,
        }
        if row is not None:
            await session.delete(row)
        inboxes = await inboxes_of(
            session, actors=self.actors, actor_uris=[actor_uri], shared=False
        )
        await self._send(
            session, self._activity("Undo", local, follow), signer=username, inboxes=inboxes
        )

    async def _answer(
        self, session: AsyncSession, payload: dict[str, Any], *, accept: bool
    ) -> None:
        username, actor_uri = payload["username"], payload["actor_uri"]
        follow = await session.get(InboundFollow, (actor_uri, username))
        if follow is None:
            logger.info("a follow answer names a follow we never received; nothing sent")
            return
        local = self.urls.actor(username)
        answer = self._activity(
            "Accept" if accept else "Reject",
            local,
            {"id": follow.activity_uri, "type": "Follow", "actor": actor_uri, "object": local},
        )
        if not accept:
            await session.delete(follow)
        inboxes = await inboxes_of(
            session, actors=self.actors, actor_uris=[actor_uri], shared=False
        )
        await self._send(session, answer, signer=username, inboxes=inboxes)

    async def _follow_approved(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        await self._answer(session, payload, accept=True)

    async def _follow_rejected(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        await self._answer(session, payload, accept=False)

    async def _block_created(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        """One of ours blocked someone elsewhere. As Mastodon does: their follow is rejected,
        ours undone (social has ended both), then the Block itself, so their server hides
        the blocker from them."""
        username, actor_uri = payload["username"], payload["actor_uri"]
        if await session.get(InboundFollow, (actor_uri, username)) is not None:
            await self._answer(session, payload, accept=False)
        ours = await session.scalar(
            select(OutboundFollow).where(
                OutboundFollow.username == username, OutboundFollow.actor_uri == actor_uri
            )
        )
        if ours is not None:
            await self._undo_follow(session, username, actor_uri, ours)
        await self._send_block(session, username, actor_uri, undo=False)

    async def _block_deleted(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        await self._send_block(session, payload["username"], payload["actor_uri"], undo=True)

    async def _send_block(
        self, session: AsyncSession, username: str, actor_uri: str, *, undo: bool
    ) -> None:
        local = self.urls.actor(username)
        activity = self._activity("Block", local, actor_uri)
        if undo:
            # Mastodon finds the block it undoes by the embedded actor and object.
            activity.pop("@context")
            activity = self._activity("Undo", local, activity)
        inboxes = await inboxes_of(
            session, actors=self.actors, actor_uris=[actor_uri], shared=False
        )
        await self._send(session, activity, signer=username, inboxes=inboxes)

    async def _profile_updated(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        username = payload["username"]
        user = await self.social.user(username)
        if user is None:
            return
        key = await self.keys.key(session, username)
        person = documents.person(user, public_key_pem=key.public_key_pem, urls=self.urls)
        person.pop("@context")
        update = self._activity("Update", person["id"], person, to=[PUBLIC])
        inboxes = await self._followers_inboxes(session, username)
        await self._send(session, update, signer=username, inboxes=inboxes)

    async def _account_deleted(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        username = payload["username"]
        actor = self.urls.actor(username)
        farewell = self._activity("Delete", actor, actor, to=[PUBLIC])
        inboxes = await inboxes_of(
            session,
            actors=self.actors,
            actor_uris=payload.get("remote_follower_actor_uris") or [],
            shared=True,
        )
        # Signed with the account's key, kept until then: receivers verify the Delete with
        # the key they have cached, the actor being gone.
        await self._send(session, farewell, signer=username, inboxes=inboxes)
        # Nothing else of the account stays here (its follows, its key once delivered).
        await session.execute(delete(InboundFollow).where(InboundFollow.username == username))
        await session.execute(delete(OutboundFollow).where(OutboundFollow.username == username))
        await self.keys.retire(session, username, signs_pending=bool(inboxes))
