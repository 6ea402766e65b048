"""POST/DELETE /users/{id}/follow, GET /users/{id}/followers and /following."""

from fastapi import APIRouter

from common.db import SessionDep
from common.errors import Forbidden
from common.openapi import raises
from common.pagination import IdPageDep, Page
from social.follows import service
from social.links import LinksDep
from social.profiles import service as profiles
from social.profiles.dependencies import OptionalViewerId, ProfileDep, ViewerId
from social.profiles.schemas import AuthorRead, ProfileRead

router = APIRouter(prefix="/users", tags=["follows"])


@router.post("/{user_id}/follow")
@raises(Forbidden, 400)  # blocked; yourself
async def follow(
    viewer_id: ViewerId, followee: ProfileDep, session: SessionDep, links: LinksDep
) -> ProfileRead:
    await service.follow(session=session, follower_id=viewer_id, followee=followee)
    return await profiles.read_profile(
        session=session, profile=followee, viewer_id=viewer_id, links=links
    )


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
    user: ProfileDep,
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
    user: ProfileDep,
    page: IdPageDep,
    session: SessionDep,
    links: LinksDep,
) -> Page[AuthorRead]:
    return await service.list_people(
        session=session, user=user, side="following", viewer_id=viewer_id, page=page, links=links
    )
