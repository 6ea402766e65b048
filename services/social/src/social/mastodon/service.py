"""The Mastodon client API's view of social: its entities made from the same rows the
platform's own routes read (a profile is an Account), and the instance's description."""

import html
import uuid
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import Forbidden, NotFound
from common.reads import JSONBytes, ReadPool, json_bytes
from social.bookmarks import repository as bookmarks_repository
from social.clients.media import MediaClient
from social.follows import repository as follows_repository
from social.follows import service as follows
from social.links import Links
from social.mastodon import repository, timelines
from social.mastodon.paging import TimelinePage, link_header
from social.mastodon.schemas import (
    Account,
    AccountSource,
    CredentialAccount,
    InstanceStats,
    InstanceV1,
    InstanceV2,
    Relationship,
    StatusCreate,
)
from social.mastodon.statuses import NO_AVATAR, status, username_of
from social.models import Post, Profile, ReactionKind, RestrictionKind
from social.posts import repository as posts_repository
from social.posts import service as posts
from social.posts.schemas import PostCreate
from social.profiles import repository as profiles_repository
from social.profiles import service as profiles
from social.reactions import service as reactions

# Mastodon's API version this subset follows; clients read it to pick features.
MASTODON_VERSION = "4.3.0 (compatible; Photogram 0.1)"
TITLE = "Photogram"
DESCRIPTION = "A social photo platform."
MAX_STATUS_CHARACTERS = 2200  # the caption's limit
MAX_MEDIA_ATTACHMENTS = 10
MAX_RELATIONSHIPS = 40  # ids in one GET /api/v1/accounts/relationships


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def account(profile: Profile, links: Links) -> Account:
    """A profile as Mastodon's Account."""
    avatar = links.avatar(profile.avatar_media_id) or NO_AVATAR
    profile_url = f"{links.public_url}/people/{profile.id}"
    return Account(
        id=str(profile.id),
        username=username_of(profile.username),
        acct=profile.username,
        url=profile_url,
        uri=profile_url,
        display_name=profile.username,
        note=f"<p>{html.escape(profile.bio)}</p>" if profile.bio else "",
        avatar=avatar,
        avatar_static=avatar,
        header=NO_AVATAR,
        header_static=NO_AVATAR,
        locked=profile.is_private,
        created_at=_iso(profile.created_at),
        statuses_count=profile.posts_count,
        followers_count=profile.followers_count,
        following_count=profile.following_count,
    )


def credential_account(profile: Profile, links: Links) -> CredentialAccount:
    """The caller's own Account, with `source`."""
    return CredentialAccount(
        **account(profile, links).model_dump(),
        source=AccountSource(
            privacy="private" if profile.is_private else "public", note=profile.bio
        ),
    )


def _configuration() -> dict[str, object]:
    return {
        "urls": {"streaming": ""},
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
        "statuses": {
            "max_characters": MAX_STATUS_CHARACTERS,
            "max_media_attachments": MAX_MEDIA_ATTACHMENTS,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": ["image/jpeg", "image/png", "image/webp", "image/gif"],
            "image_size_limit": 10 * 1024 * 1024,
            "image_matrix_limit": 16_777_216,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": {
            "max_options": 0,
            "max_characters_per_option": 0,
            "min_expiration": 0,
            "max_expiration": 0,
        },
        "translation": {"enabled": False},
    }


async def instance_v1(*, session: AsyncSession, links: Links) -> InstanceV1:
    """`GET /api/v1/instance`."""
    users, statuses = await repository.counts(session)
    domain = urlsplit(links.public_url).netloc
    return InstanceV1(
        uri=domain,
        title=TITLE,
        short_description=DESCRIPTION,
        description=DESCRIPTION,
        email="",
        version=MASTODON_VERSION,
        urls={"streaming_api": ""},
        stats=InstanceStats(user_count=users, status_count=statuses, domain_count=0),
        thumbnail=None,
        languages=["en", "ko", "es"],
        registrations=True,
        approval_required=False,
        invites_enabled=False,
        configuration=_configuration(),
    )


async def instance_v2(*, session: AsyncSession, links: Links) -> InstanceV2:
    """`GET /api/v2/instance`."""
    users, _statuses = await repository.counts(session)
    return InstanceV2(
        domain=urlsplit(links.public_url).netloc,
        title=TITLE,
        version=MASTODON_VERSION,
        source_url="",
        description=DESCRIPTION,
        usage={"users": {"active_month": users}},
        thumbnail={"url": NO_AVATAR},
        languages=["en", "ko", "es"],
        configuration=_configuration(),
        registrations={"enabled": True, "approval_required": False, "message": None},
        api_versions={"mastodon": 2},
        contact={"email": "", "account": None},
    )


async def view_status(
    *, session: AsyncSession, post: Post, viewer_id: uuid.UUID | None, links: Links
) -> dict[str, Any]:
    """One post as a Status, as the viewer sees it."""
    (row,) = await posts_repository.view(
        session, posts_repository.ONE_POST_QUERY, viewer_id=viewer_id, post_id=post.id
    )
    return status(row._mapping, links)


async def favourite(
    *, session: AsyncSession, post: Post, viewer_id: uuid.UUID, on: bool, links: Links
) -> dict[str, Any]:
    """Favourite (like) or unfavourite: the platform's like, seen in the web app too."""
    change = reactions.react if on else reactions.unreact
    await change(session=session, post=post, user_id=viewer_id, kind=ReactionKind.like)
    return await view_status(session=session, post=post, viewer_id=viewer_id, links=links)


async def bookmark(
    *, session: AsyncSession, post: Post, viewer_id: uuid.UUID, on: bool, links: Links
) -> dict[str, Any]:
    """Bookmark or unbookmark, the platform's bookmark."""
    change = bookmarks_repository.add if on else bookmarks_repository.remove
    await change(session, user_id=viewer_id, post_id=post.id)
    return await view_status(session=session, post=post, viewer_id=viewer_id, links=links)


async def delete_status(
    *,
    session: AsyncSession,
    post: Post,
    viewer_id: uuid.UUID,
    links: Links,
    media: MediaClient,
    retry_after: timedelta,
) -> dict[str, Any]:
    """Delete the caller's status; the answer is the status as it was (Mastodon's)."""
    shown = await view_status(session=session, post=post, viewer_id=viewer_id, links=links)
    await posts.delete_post(session=session, post=post, media=media, retry_after=retry_after)
    shown["text"] = post.caption
    return shown


async def account_statuses(
    *,
    session: AsyncSession,
    reads: ReadPool,
    author: Profile,
    viewer_id: uuid.UUID | None,
    page: TimelinePage,
    links: Links,
    request: Request,
) -> JSONBytes:
    """An account's statuses; a private account's, for who may not see them, none (as
    Mastodon answers a locked account's timeline)."""
    try:
        await profiles.ensure_may_see(session=session, profile=author, viewer_id=viewer_id)
    except Forbidden:
        return JSONBytes(json_bytes([]))
    return await timelines.account(
        reads=reads,
        author_id=author.id,
        viewer_id=viewer_id,
        page=page,
        links=links,
        request=request,
    )


async def post_status(
    *,
    session: AsyncSession,
    author_id: uuid.UUID,
    data: StatusCreate,
    media: MediaClient,
    links: Links,
) -> dict[str, Any]:
    """Publish a status of the caller's uploads: the platform's post, same rules."""
    try:
        body = PostCreate.model_validate(
            {
                "media_ids": [str(media_id) for media_id in data.media_ids],
                "caption": data.status,
                "sensitive": data.sensitive,
                "spoiler_text": data.spoiler_text,
            }
        )
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_input=False)) from exc
    post = await posts.create_post(
        session=session, author_id=author_id, body=body, media=media, authorization=""
    )
    return await view_status(session=session, post=post, viewer_id=author_id, links=links)


async def relationship(
    *, session: AsyncSession, viewer_id: uuid.UUID, other_id: uuid.UUID
) -> Relationship:
    """Where the viewer stands with another account, both ways."""
    following = await profiles_repository.is_following(
        session, follower_id=viewer_id, followee_id=other_id
    )
    followed_by = await profiles_repository.is_following(
        session, follower_id=other_id, followee_id=viewer_id
    )
    mine = await profiles_repository.kinds_between(session, owner_id=viewer_id, target_id=other_id)
    theirs = await profiles_repository.kinds_between(
        session, owner_id=other_id, target_id=viewer_id
    )
    muting = RestrictionKind.mute in mine
    return Relationship(
        id=str(other_id),
        following=following,
        showing_reblogs=following,
        notifying=False,
        followed_by=followed_by,
        blocking=RestrictionKind.block in mine,
        blocked_by=RestrictionKind.block in theirs,
        muting=muting,
        muting_notifications=muting,
        requested=not following
        and await profiles_repository.has_requested(
            session, requester_id=viewer_id, target_id=other_id
        ),
        requested_by=not followed_by
        and await profiles_repository.has_requested(
            session, requester_id=other_id, target_id=viewer_id
        ),
    )


async def follow(
    *, session: AsyncSession, viewer_id: uuid.UUID, followee: Profile, on: bool
) -> Relationship:
    """Follow (or ask to, for a private account) or unfollow: the platform's follow."""
    if on:
        await follows.follow(session=session, follower_id=viewer_id, followee=followee)
    else:
        await follows.unfollow(session=session, follower_id=viewer_id, followee=followee)
    return await relationship(session=session, viewer_id=viewer_id, other_id=followee.id)


async def relationships(
    *, session: AsyncSession, viewer_id: uuid.UUID, ids: list[str]
) -> list[Relationship]:
    """The relationships with each account named (ids that name nobody are left out)."""
    found: list[Relationship] = []
    for raw in ids[:MAX_RELATIONSHIPS]:
        try:
            other_id = uuid.UUID(raw)
        except ValueError:
            continue
        if await profiles_repository.get(session, other_id) is not None:
            found.append(
                await relationship(session=session, viewer_id=viewer_id, other_id=other_id)
            )
    return found


async def lookup(*, session: AsyncSession, acct: str, links: Links) -> Account:
    """`GET /api/v1/accounts/lookup`: an account by its username (`@name` too)."""
    name = acct.removeprefix("@").split("@", 1)[0]
    profile = await repository.profile_by_username(session, name) if name else None
    if profile is None:
        raise NotFound("Record not found", code="user_not_found")
    return account(profile, links)


async def account_people(
    *,
    session: AsyncSession,
    user: Profile,
    side: Literal["followers", "following"],
    viewer_id: uuid.UUID | None,
    page: TimelinePage,
    links: Links,
    request: Request,
) -> JSONBytes:
    """`GET /api/v1/accounts/{id}/followers` or `/following`: Accounts, the newest follow
    first, paged by the follows' ids (as Mastodon's `Link` header is); none of a private
    account's for who may not see it, as the web app's lists refuse them (and as Mastodon
    answers an account that hides its network)."""
    try:
        await profiles.ensure_may_see(session=session, profile=user, viewer_id=viewer_id)
    except Forbidden:
        return JSONBytes(json_bytes([]))
    if page.min_id is not None:
        rows = await repository.people_after(
            session,
            user_id=user.id,
            side=side,
            viewer_id=viewer_id,
            after=page.min_id,
            limit=page.limit,
        )
    else:
        rows = list(
            await follows_repository.list_people(
                session,
                user_id=user.id,
                side=side,
                viewer_id=viewer_id,
                after=page.max_id,
                limit=page.limit,
            )
        )
    kept = page.keep(rows, key=lambda row: row[0])
    link = link_header(request, links.public_url, [str(row[0]) for row in kept])
    accounts = [account(row[1], links).model_dump() for row in kept]
    return JSONBytes(json_bytes(accounts), headers={"Link": link} if link else None)
