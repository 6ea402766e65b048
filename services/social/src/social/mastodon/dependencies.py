"""Who calls the Mastodon client API: an app's token, of the scope the route needs."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from common.app_tokens import app_scope, optional_app_scope
from common.db import SessionDep
from common.errors import Forbidden, NotFound
from common.openapi import raises
from common.tokens import Principal
from social.models import Post
from social.posts.dependencies import load_post
from social.profiles import service as profiles


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


MaybeReadAccounts = Annotated[uuid.UUID | None, Depends(optional_app_viewer("read:accounts"))]
ReadStatuses = Annotated[uuid.UUID, Depends(app_viewer("read:statuses"))]
MaybeReadSearch = Annotated[uuid.UUID | None, Depends(optional_app_viewer("read:search"))]
MaybeReadStatuses = Annotated[uuid.UUID | None, Depends(optional_app_viewer("read:statuses"))]
WriteStatuses = Annotated[uuid.UUID, Depends(app_viewer("write:statuses"))]
WriteFavourites = Annotated[uuid.UUID, Depends(app_viewer("write:favourites"))]
WriteBookmarks = Annotated[uuid.UUID, Depends(app_viewer("write:bookmarks"))]
WriteFollows = Annotated[uuid.UUID, Depends(app_viewer("write:follows"))]
ReadFollows = Annotated[uuid.UUID, Depends(app_viewer("read:follows"))]
ReadNotifications = Annotated[uuid.UUID, Depends(app_viewer("read:notifications"))]
WriteNotifications = Annotated[uuid.UUID, Depends(app_viewer("write:notifications"))]


@raises(NotFound)
async def visible_status(id: str, session: SessionDep, viewer_id: MaybeReadStatuses) -> Post:
    """The status `id` names, if the caller may see it (else 404, as the platform does)."""
    return await load_post(id, session, viewer_id)


async def _status_for(viewer_id: uuid.UUID, id: str, session: SessionDep) -> Post:
    return await load_post(id, session, viewer_id)


async def favourite_target(id: str, session: SessionDep, viewer_id: WriteFavourites) -> Post:
    return await _status_for(viewer_id, id, session)


async def bookmark_target(id: str, session: SessionDep, viewer_id: WriteBookmarks) -> Post:
    return await _status_for(viewer_id, id, session)


@raises(Forbidden)
async def own_status(id: str, session: SessionDep, viewer_id: WriteStatuses) -> Post:
    post = await _status_for(viewer_id, id, session)
    if post.author_id != viewer_id:
        raise Forbidden("This action is not allowed", code="not_post_author")
    return post


StatusDep = Annotated[Post, Depends(visible_status)]
FavouriteTarget = Annotated[Post, Depends(favourite_target)]
BookmarkTarget = Annotated[Post, Depends(bookmark_target)]
OwnStatus = Annotated[Post, Depends(own_status)]
