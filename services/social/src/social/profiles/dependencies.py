"""Who is asking, and which profile a path names."""

import uuid
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import SessionDep, transaction
from common.errors import Forbidden, NotFound, Unauthorized
from common.openapi import optional_auth, raises
from common.reads import ReadsDep
from common.tokens import (
    BearerToken,
    CurrentUser,
    OptionalUser,
    Principal,
    optional_user,
    signed_in,
)
from social.clients.auth import AuthDep
from social.ids import parse_id
from social.models import Profile
from social.profiles import repository, service


async def _ensure(request: Request, session: AsyncSession, user: Principal) -> uuid.UUID:
    return await service.ensure_profile(
        session=session, known=request.app.state.known_profiles, principal=user
    )


async def current_viewer(request: Request, session: SessionDep, user: CurrentUser) -> uuid.UUID:
    return await _ensure(request, session, user)


async def optional_viewer(
    request: Request, session: SessionDep, user: OptionalUser
) -> uuid.UUID | None:
    return None if user is None else await _ensure(request, session, user)


# The caller's user id, with the profile guaranteed to exist.
ViewerId = Annotated[uuid.UUID, Depends(current_viewer)]
OptionalViewerId = Annotated[uuid.UUID | None, Depends(optional_viewer)]


async def reader_id(request: Request, user: Principal) -> uuid.UUID:
    """The user's id, their profile made first if this is their first request."""
    # A read has no unit of work to share, and opening one only to find the profile known
    # (nearly every request) cost a feed page ~0.2 ms: a new profile gets its own.
    if request.app.state.known_profiles.get(user.id) == user.username:
        return user.id
    async with transaction(request.app.state.sessionmaker) as session:
        return await _ensure(request, session, user)


# The token straight from the scheme, not through CurrentUser and OptionalUser: two levels
# of dependencies less on the most frequent requests.
@raises(Unauthorized)
async def current_reader(request: Request, token: BearerToken) -> uuid.UUID:
    return await reader_id(request, signed_in(await optional_user(request, token)))


@optional_auth
@raises(Unauthorized)
async def optional_reader(request: Request, token: BearerToken) -> uuid.UUID | None:
    user = await optional_user(request, token)
    return None if user is None else await reader_id(request, user)


# As ViewerId and OptionalViewerId, for the read path (common.reads): no session.
ReaderId = Annotated[uuid.UUID, Depends(current_reader)]
OptionalReaderId = Annotated[uuid.UUID | None, Depends(optional_reader)]


async def load_profile(user_id: str, session: SessionDep, auth: AuthDep) -> Profile:
    """The profile a path names; one auth knows but this service has not heard of yet (it
    registered a moment ago) is created now; 404 when auth knows nobody by that id."""
    profile = await service.profile_of(
        session=session, auth=auth, user_id=parse_id(user_id, what="user")
    )
    if profile is None:
        raise NotFound("User not found", code="user_not_found")
    return profile


async def load_my_profile(viewer_id: ViewerId, session: SessionDep) -> Profile:
    profile = await repository.get(session, viewer_id)
    assert profile is not None  # current_viewer just made sure of it
    return profile


ProfileDep = Annotated[Profile, Depends(load_profile)]


@raises(Forbidden)
async def load_visible_profile(
    profile: ProfileDep, viewer_id: OptionalViewerId, session: SessionDep
) -> Profile:
    """The profile, if the viewer may see its posts and follow lists (403 `private_account`)."""
    await service.ensure_may_see(session=session, profile=profile, viewer_id=viewer_id)
    return profile


@raises(Forbidden)
async def visible_author_id(
    user_id: str, viewer_id: OptionalReaderId, reads: ReadsDep, auth: AuthDep, request: Request
) -> uuid.UUID:
    """As `load_visible_profile`, for a list of the profile's posts: one statement on the
    read path (common.reads), no ORM, no transaction, the id all the list needs."""
    author_id = parse_id(user_id, what="user")
    visible = await repository.visible_to(reads, user_id=author_id, viewer_id=viewer_id)
    if visible is None:
        # Not heard of here yet (a user who registered a moment ago), or nobody: made from
        # auth's answer in a unit of work of its own, as rare as a new user's first visitor.
        async with transaction(request.app.state.sessionmaker) as session:
            profile = await load_profile(user_id, session, auth)
            await service.ensure_may_see(session=session, profile=profile, viewer_id=viewer_id)
    elif not visible:
        raise service.private_account()
    return author_id


# For what a private account shows only to its approved followers.
VisibleProfileDep = Annotated[Profile, Depends(load_visible_profile)]
VisibleAuthorId = Annotated[uuid.UUID, Depends(visible_author_id)]
MyProfileDep = Annotated[Profile, Depends(load_my_profile)]


async def authorization(request: Request, _: CurrentUser) -> str:
    """The caller's own Authorization header, forwarded to media as-is."""
    return request.headers["authorization"]


AuthorizationDep = Annotated[str, Depends(authorization)]
