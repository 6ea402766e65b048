"""POST/DELETE /users/{id}/follow, GET /users/{id}/followers and /following, and the
requests to follow a private account: GET /users/me/follow-requests, approve, decline."""

from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from common.db import SessionDep
from common.errors import Forbidden, NotFound
from common.openapi import raises
from common.pagination import IdPageDep, Page
from social.follows import service
from social.links import LinksDep
from social.profiles import service as profiles
from social.profiles.dependencies import (
    OptionalViewerId,
    ProfileDep,
    ViewerId,
    VisibleProfileDep,
)
from social.profiles.schemas import AuthorRead, FollowStatus, ProfileRead

router = APIRouter(prefix="/users", tags=["follows"])


class FollowRequested(BaseModel):
    """A private account's owner decides: the follow waits for approval."""

    status: Literal["requested"] = "requested"


@router.post(
    "/{user_id}/follow",
    response_model=ProfileRead,
    responses={202: {"model": FollowRequested, "description": "A private account: asked"}},
)
@raises(Forbidden, 400)  # blocked; yourself
async def follow(
    viewer_id: ViewerId, followee: ProfileDep, session: SessionDep, links: LinksDep
) -> ProfileRead | JSONResponse:
    status = await service.follow(session=session, follower_id=viewer_id, followee=followee)
    if status is FollowStatus.requested:
        return JSONResponse(FollowRequested().model_dump(), status_code=202)
    return await profiles.read_profile(
        session=session, profile=followee, viewer_id=viewer_id, links=links
    )


# Before /{user_id}/..., which never names "me" with these paths, but reads first.
@router.get("/me/follow-requests")
async def follow_requests(
    viewer_id: ViewerId, page: IdPageDep, session: SessionDep, links: LinksDep
) -> Page[AuthorRead]:
    """Who asked to follow the caller's private account, most recent first."""
    return await service.list_requests(session=session, owner_id=viewer_id, page=page, links=links)


@router.post("/me/follow-requests/{user_id}/approve", status_code=204)
@raises(NotFound)
async def approve_follow_request(
    viewer_id: ViewerId, requester: ProfileDep, session: SessionDep
) -> Response:
    await service.answer_request(
        session=session, owner_id=viewer_id, requester=requester, approve=True
    )
    return Response(status_code=204)


@router.post("/me/follow-requests/{user_id}/decline", status_code=204)
@raises(NotFound)
async def decline_follow_request(
    viewer_id: ViewerId, requester: ProfileDep, session: SessionDep
) -> Response:
    await service.answer_request(
        session=session, owner_id=viewer_id, requester=requester, approve=False
    )
    return Response(status_code=204)


@router.delete("/{user_id}/follow")
async def unfollow(
    viewer_id: ViewerId, followee: ProfileDep, session: SessionDep, links: LinksDep
) -> ProfileRead:
    await service.unfollow(session=session, follower_id=viewer_id, followee=followee)
    return await profiles.read_profile(
        session=session, profile=followee, viewer_id=viewer_id, links=links
    )


@router.get("/{user_id}/followers")
async def followers(
    viewer_id: OptionalViewerId,
    user: VisibleProfileDep,
    page: IdPageDep,
    session: SessionDep,
    links: LinksDep,
) -> Page[AuthorRead]:
    return await service.list_people(
        session=session, user=user, side="followers", viewer_id=viewer_id, page=page, links=links
    )


@router.get("/{user_id}/following")
async def following(
    viewer_id: OptionalViewerId,
    user: VisibleProfileDep,
    page: IdPageDep,
    session: SessionDep,
    links: LinksDep,
) -> Page[AuthorRead]:
    return await service.list_people(
        session=session, user=user, side="following", viewer_id=viewer_id, page=page, links=links
    )
