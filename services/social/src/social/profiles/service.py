"""Profile rules: who a user is here, what others see, what the user may change, and whether
two users may reach each other (a block between them says no, for follows, likes, comments)."""

import logging
import re
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from common import deleted_users
from common.db import on_commit
from common.errors import DependencyUnavailable, Forbidden
from common.pagination import Page, PageRequest
from common.text import BLANK
from common.tokens import Principal
from social.clients.auth import AuthClient
from social.clients.federation import FederationClient
from social.clients.media import MediaClient
from social.federation_events import service as federation_events
from social.links import Links
from social.models import DeletedUser, Profile, RestrictionKind
from social.profiles import repository
from social.profiles.schemas import (
    AuthorRead,
    FollowStatus,
    ProfileMatchRead,
    ProfileRead,
    ProfileUpdate,
    StatsRead,
)

logger = logging.getLogger(__name__)

# `user@host`: a remote account's address, as its profile here is named.
_REMOTE_ACCT = re.compile(r"[^@\s/]+@[^@\s/]+")

# Known (id → username) pairs, so a profile is written once per process, not per request.
KNOWN_PROFILES_MAX = 100_000


async def ensure_profile(
    *, session: AsyncSession, known: dict[uuid.UUID, str], principal: Principal
) -> uuid.UUID:
    """Upsert the caller's profile from the token, so a new user exists before the event."""
    user_id = principal.id
    if known.get(user_id) == principal.username:
        return user_id
    issued_at = datetime.fromtimestamp(int(principal.claims.get("iat", 0)), UTC)
    await deleted_users.refuse_deleted(session, DeletedUser, user_id=user_id)
    await repository.upsert_identity(
        session, user_id=user_id, username=principal.username, asserted_at=issued_at
    )

    async def remember() -> None:
        # Only once committed: the cache must only ever name rows that exist.
        if len(known) >= KNOWN_PROFILES_MAX:
            known.clear()
        known[user_id] = principal.username

    on_commit(session, remember)
    return user_id


async def profile_of(
    *, session: AsyncSession, auth: AuthClient, user_id: uuid.UUID
) -> Profile | None:
    """The user's profile; made now from auth's answer when the users stream has not made
    it yet (a user followed or opened right after registering). None: no such user."""
    profile = await repository.get(session, user_id)
    if profile is not None:
        return profile
    # A deleted account's profile is gone for good, whatever a late answer would say.
    if await deleted_users.is_deleted(session, DeletedUser, user_id=user_id):
        return None
    user = await auth.public_user(user_id)
    if user is None:
        return None
    # As of now: a rename the stream delivers later but that happened before is older news.
    await repository.upsert_identity(
        session, user_id=user.id, username=user.username, asserted_at=datetime.now(UTC)
    )
    return await repository.get(session, user_id)


def author_read(profile: Profile, links: Links) -> AuthorRead:
    return AuthorRead(
        id=profile.id, username=profile.username, avatar_url=links.avatar(profile.avatar_media_id)
    )


async def ensure_not_blocked(
    *, session: AsyncSession, actor_id: uuid.UUID, other_id: uuid.UUID
) -> None:
    """403 `blocked` when either of the two blocks the other."""
    if await repository.is_blocked_between(session, actor_id, other_id):
        raise Forbidden("One of you blocks the other", code="blocked")


async def ensure_may_see(
    *, session: AsyncSession, profile: Profile, viewer_id: uuid.UUID | None
) -> None:
    """403 `private_account` unless the profile is public, the viewer's own, or followed
    by the viewer (an approved follow)."""
    if not profile.is_private or viewer_id == profile.id:
        return
    if viewer_id is None or not await repository.is_following(
        session, follower_id=viewer_id, followee_id=profile.id
    ):
        raise private_account()


def private_account() -> Forbidden:
    return Forbidden("This account is private", code="private_account")


async def read_profile(
    *, session: AsyncSession, profile: Profile, viewer_id: uuid.UUID | None, links: Links
) -> ProfileRead:
    """A profile as the viewer sees it, with whether the viewer follows it (or asked to)."""
    following = viewer_id is not None and await repository.is_following(
        session, follower_id=viewer_id, followee_id=profile.id
    )
    requested = (
        not following
        and viewer_id is not None
        and await repository.has_requested(session, requester_id=viewer_id, target_id=profile.id)
    )
    restricted = (
        await repository.kinds_between(session, owner_id=viewer_id, target_id=profile.id)
        if viewer_id is not None
        else set()
    )
    return ProfileRead(
        **author_read(profile, links).model_dump(),
        bio=profile.bio,
        created_at=profile.created_at,
        followers_count=profile.followers_count,
        following_count=profile.following_count,
        posts_count=profile.posts_count,
        is_following=following,
        is_private=profile.is_private,
        follow_status=FollowStatus.following
        if following
        else FollowStatus.requested
        if requested
        else FollowStatus.none,
        is_blocking=RestrictionKind.block in restricted,
        is_muting=RestrictionKind.mute in restricted,
    )


async def search(
    *,
    session: AsyncSession,
    query: str,
    viewer_id: uuid.UUID | None,
    page: PageRequest[uuid.UUID],
    links: Links,
    federation: FederationClient | None = None,
) -> Page[ProfileMatchRead]:
    """Users whose username starts with the query, any case, in username order. A query
    that is a remote account's address (`user@host`) has federation find it first: its
    profile is then the first match."""
    # Never empty: the route's pattern asks for a character that is neither blank nor "@".
    prefix = query.strip(BLANK).removeprefix("@")
    if federation is not None and page.after is None and _REMOTE_ACCT.fullmatch(prefix):
        try:
            # Federation stores the account as a profile in a transaction of its own,
            # committed before it answers: this request's next statement sees it.
            await federation.lookup(prefix)
        except DependencyUnavailable:
            logger.warning("remote account lookup failed: local matches only")
    rows = await repository.search(
        session, prefix=prefix, viewer_id=viewer_id, after=page.after, limit=page.limit + 1
    )
    return page.page(
        rows,
        key=lambda row: row[0].id,
        item=lambda row: ProfileMatchRead(
            **author_read(row[0], links).model_dump(), bio=row[0].bio, is_following=row[1]
        ),
    )


async def update_profile(
    *,
    session: AsyncSession,
    profile: Profile,
    changes: ProfileUpdate,
    media: MediaClient,
    authorization: str,
) -> Profile:
    """Change the bio, avatar and/or privacy; an avatar must be a media the user owns.
    Going public approves every pending follow request: nothing is left to approve."""
    fields: dict[str, object] = {}
    if changes.bio is not None:
        fields["bio"] = changes.bio
    if changes.is_private is not None:
        if profile.is_private and not changes.is_private:
            await federation_events.all_requests_approved(session, owner=profile)
            await repository.approve_all_requests(session, profile.id)
        fields["is_private"] = changes.is_private
    if "avatar_media_id" in changes.model_fields_set:
        if changes.avatar_media_id is not None:
            owner = await media.owner_of(
                media_id=changes.avatar_media_id, authorization=authorization
            )
            if owner != profile.id:
                raise Forbidden("That media belongs to someone else", code="media_not_owned")
        fields["avatar_media_id"] = changes.avatar_media_id
    updated = await repository.update_fields(session, profile, **fields)
    await session.refresh(updated)  # the counters approving requests changed
    if fields:
        await federation_events.profile_updated(session, profile=updated)
    return updated


async def stats(*, session: AsyncSession, profile: Profile) -> StatsRead:
    """Counts for a profile page; likes received are summed from the user's posts."""
    return StatsRead(
        posts=profile.posts_count,
        followers=profile.followers_count,
        following=profile.following_count,
        likes_received=await repository.likes_received(session, profile.id),
    )
