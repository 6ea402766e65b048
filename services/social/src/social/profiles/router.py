"""GET /users/{id}, PATCH /users/me, GET /users/{id}/stats, GET /users/search."""

from typing import Annotated

from fastapi import APIRouter, Query

from common.db import SessionDep
from common.errors import Forbidden, NotFound
from common.openapi import raises
from common.pagination import IdPageDep, Page
from common.text import NUL_FREE
from social.clients.federation import FederationDep
from social.clients.media import MediaDep
from social.links import LinksDep
from social.profiles import service
from social.profiles.dependencies import (
    AuthorizationDep,
    MyProfileDep,
    OptionalViewerId,
    ProfileDep,
)
from social.profiles.schemas import ProfileMatchRead, ProfileRead, ProfileUpdate, StatsRead

router = APIRouter(prefix="/users", tags=["profiles"])


@router.patch("/me")
@raises(Forbidden, NotFound)
async def update_me(
    changes: ProfileUpdate,
    profile: MyProfileDep,
    session: SessionDep,
    media: MediaDep,
    authorization: AuthorizationDep,
    links: LinksDep,
) -> ProfileRead:
    updated = await service.update_profile(
        session=session, profile=profile, changes=changes, media=media, authorization=authorization
    )
    return await service.read_profile(
        session=session, profile=updated, viewer_id=profile.id, links=links
    )


# Before /{user_id}, which would otherwise take "search" for an id.
@router.get("/search")
async def search(
    q: Annotated[
        str,
        Query(
            max_length=64,
            # Something to search for once the blanks and a leading "@" are gone.
            pattern=r"[^@ \t\n\r\f\v]",
            description="A username prefix, or a remote account's address "
            "(`user@host`, `@user@host`), looked up on its server",
        ),
        NUL_FREE,
    ],
    viewer_id: OptionalViewerId,
    page: IdPageDep,
    session: SessionDep,
    links: LinksDep,
    federation: FederationDep,
) -> Page[ProfileMatchRead]:
    return await service.search(
        session=session,
        query=q,
        viewer_id=viewer_id,
        page=page,
        links=links,
        federation=federation,
    )


@router.get("/{user_id}")
async def get_profile(
    viewer_id: OptionalViewerId, profile: ProfileDep, session: SessionDep, links: LinksDep
) -> ProfileRead:
    return await service.read_profile(
        session=session, profile=profile, viewer_id=viewer_id, links=links
    )


@router.get("/{user_id}/stats")
async def get_stats(profile: ProfileDep, session: SessionDep) -> StatsRead:
    return await service.stats(session=session, profile=profile)
