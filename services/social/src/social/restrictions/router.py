"""POST/DELETE /users/{id}/block and /users/{id}/mute (each answers with the profile),
GET /users/me/blocks and /users/me/mutes."""

from collections.abc import Awaitable, Callable

from fastapi import APIRouter

from common.db import SessionDep
from common.openapi import raises
from common.pagination import IdPageDep, Page
from social.links import LinksDep
from social.models import RestrictionKind
from social.profiles import service as profiles
from social.profiles.dependencies import ProfileDep, ViewerId
from social.profiles.schemas import AuthorRead, ProfileRead
from social.restrictions import service

router = APIRouter(prefix="/users", tags=["blocks and mutes"])

Change = Callable[..., Awaitable[None]]


def _change(kind: RestrictionKind, change: Change) -> Callable[..., Awaitable[ProfileRead]]:
    async def endpoint(
        viewer_id: ViewerId, target: ProfileDep, session: SessionDep, links: LinksDep
    ) -> ProfileRead:
        await change(session=session, owner_id=viewer_id, target=target, kind=kind)
        return await profiles.read_profile(
            session=session, profile=target, viewer_id=viewer_id, links=links
        )

    return endpoint


def _list(kind: RestrictionKind) -> Callable[..., Awaitable[Page[AuthorRead]]]:
    async def endpoint(
        viewer_id: ViewerId, page: IdPageDep, session: SessionDep, links: LinksDep
    ) -> Page[AuthorRead]:
        return await service.list_restricted(
            session=session, owner_id=viewer_id, kind=kind, page=page, links=links
        )

    return endpoint


for _kind in RestrictionKind:
    router.add_api_route(
        f"/me/{_kind.value}s", _list(_kind), methods=["GET"], name=f"list_{_kind.value}s"
    )
    router.add_api_route(
        f"/{{user_id}}/{_kind.value}",
        raises(400)(_change(_kind, service.restrict)),  # yourself
        methods=["POST"],
        name=f"{_kind.value}_user",
    )
    router.add_api_route(
        f"/{{user_id}}/{_kind.value}",
        _change(_kind, service.unrestrict),
        methods=["DELETE"],
        name=f"un{_kind.value}_user",
    )
