"""Who calls the Mastodon client API: an app's token, of the scope the route needs."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis

from common.app_tokens import app_scope, optional_app_scope
from common.db import SessionDep
from common.errors import Forbidden, NotFound
from common.openapi import raises
from common.tokens import Principal
from social.comments import repository as comments_repository
from social.models import Comment, Post
from social.posts.dependencies import load_post
from social.profiles import repository as profiles_repository
from social.profiles import service as profiles
from social.profiles.dependencies import reader_id


def app_viewer(needed: str) -> Callable[..., Awaitable[uuid.UUID]]:
    """A dependency: the caller's user id from an app token covering `needed`, with the
    profile made if this is its first request (as the platform's own routes do)."""
    scoped = app_scope(needed)

    async def dependency(
        request: Request, session: SessionDep, principal: Annotated[Principal, Depends(scoped)]
    ) -> uuid.UUID:
        return await profiles.ensure_profile(
            session=session, known=request.app.state.known_profiles, principal=principal
        )

    return dependency


ReadAccounts = Annotated[uuid.UUID, Depends(app_viewer("read:accounts"))]


def optional_app_viewer(needed: str) -> Callable[..., Awaitable[uuid.UUID | None]]:
    """As `app_viewer`, for public methods: None without a token (or an app-only one)."""
    scoped = optional_app_scope(needed)

    async def dependency(
        request: Request,
        session: SessionDep,
        principal: Annotated[Principal | None, Depends(scoped)],
    ) -> uuid.UUID | None:
        if principal is None:
            return None
        return await profiles.ensure_profile(
            session=session, known=request.app.state.known_profiles, principal=principal
        )

    return dependency


def app_reader(needed: str) -> Callable[..., Awaitable[uuid.UUID]]:
    """As `app_viewer`, for reads (the timelines take common.read_routes): no unit of work
    unless the profile is new (social.profiles.dependencies.reader_id)."""
    scoped = app_scope(needed)

    async def dependency(
        request: Request, principal: Annotated[Principal, Depends(scoped)]
    ) -> uuid.UUID:
        return await reader_id(request, principal)

    return dependency


def optional_app_reader(needed: str) -> Callable[..., Awaitable[uuid.UUID | None]]:
    """As `app_reader`, for public reads: None without a token (or an app-only one)."""
    scoped = optional_app_scope(needed)

    async def dependency(
        request: Request, principal: Annotated[Principal | None, Depends(scoped)]
    ) -> uuid.UUID | None:
        return None if principal is None else await reader_id(request, principal)

    return dependency


MaybeReadAccounts = Annotated[uuid.UUID | None, Depends(optional_app_viewer("read:accounts"))]
# The timelines' (common.read_routes), and other reads of statuses.
ReadStatuses = Annotated[uuid.UUID, Depends(app_reader("read:statuses"))]
MaybeReadSearch = Annotated[uuid.UUID | None, Depends(optional_app_viewer("read:search"))]
MaybeReadStatuses = Annotated[uuid.UUID | None, Depends(optional_app_reader("read:statuses"))]
WriteStatuses = Annotated[uuid.UUID, Depends(app_viewer("write:statuses"))]
WriteFavourites = Annotated[uuid.UUID, Depends(app_viewer("write:favourites"))]
WriteBookmarks = Annotated[uuid.UUID, Depends(app_viewer("write:bookmarks"))]
WriteFollows = Annotated[uuid.UUID, Depends(app_viewer("write:follows"))]
ReadFollows = Annotated[uuid.UUID, Depends(app_viewer("read:follows"))]
ReadNotifications = Annotated[uuid.UUID, Depends(app_viewer("read:notifications"))]
WriteNotifications = Annotated[uuid.UUID, Depends(app_viewer("write:notifications"))]


@dataclass(frozen=True)
class Thread:
    """What a status id names: a post, or one of its comments (a reply to the post)."""

    post: Post
    comment: Comment | None = None


async def thread_of(id: str, session: SessionDep, viewer_id: uuid.UUID | None) -> Thread:
    """The post or comment `id` names, as the viewer may see it (else 404)."""
    # A comment is as visible as its post, and hidden between a blocked pair as the
    # comment lists hide it.
    try:
        return Thread(await load_post(id, session, viewer_id))
    except NotFound:
        try:
            comment = await comments_repository.get(session, uuid.UUID(id))
        except ValueError:
            raise NotFound("Record not found", code="status_not_found") from None
        if comment is None or (
            viewer_id is not None
            and await profiles_repository.is_blocked_between(session, viewer_id, comment.author_id)
        ):
            raise NotFound("Record not found", code="status_not_found") from None
        return Thread(await load_post(str(comment.post_id), session, viewer_id), comment)


@raises(NotFound)
async def visible_status(id: str, session: SessionDep, viewer_id: MaybeReadStatuses) -> Thread:
    """The status `id` names, a post or a comment, if the caller may see it (else 404, as
    the platform does)."""
    return await thread_of(id, session, viewer_id)


async def _status_for(viewer_id: uuid.UUID, id: str, session: SessionDep) -> Post:
    return await load_post(id, session, viewer_id)


async def favourite_target(id: str, session: SessionDep, viewer_id: WriteFavourites) -> Post:
    return await _status_for(viewer_id, id, session)


async def bookmark_target(id: str, session: SessionDep, viewer_id: WriteBookmarks) -> Post:
    return await _status_for(viewer_id, id, session)


@raises(Forbidden)
async def own_status(id: str, session: SessionDep, viewer_id: WriteStatuses) -> Thread:
    """The caller's own post, or own comment, that `id` names."""
    thread = await thread_of(id, session, viewer_id)
    author_id = (thread.comment or thread.post).author_id
    if author_id != viewer_id:
        raise Forbidden("This action is not allowed", code="not_post_author")
    return thread


async def redis(request: Request) -> Redis:
    client: Redis = request.app.state.redis
    return client


StatusDep = Annotated[Thread, Depends(visible_status)]
FavouriteTarget = Annotated[Post, Depends(favourite_target)]
BookmarkTarget = Annotated[Post, Depends(bookmark_target)]
OwnStatus = Annotated[Thread, Depends(own_status)]
RedisDep = Annotated[Redis, Depends(redis)]
