"""POST/DELETE /posts/{id}/like and /posts/{id}/dislike: each answers with the post."""

from collections.abc import Awaitable, Callable

from fastapi import APIRouter

from common.db import SessionDep
from common.errors import Forbidden
from common.openapi import raises
from social.links import LinksDep
from social.models import ReactionKind
from social.posts import service as posts
from social.posts.dependencies import PostDep
from social.posts.schemas import PostRead
from social.profiles.dependencies import ViewerId
from social.reactions import service

router = APIRouter(prefix="/posts", tags=["reactions"])

Change = Callable[..., Awaitable[None]]


def _route(kind: ReactionKind, change: Change) -> Callable[..., Awaitable[PostRead]]:
    async def endpoint(
        viewer_id: ViewerId, post: PostDep, session: SessionDep, links: LinksDep
    ) -> PostRead:
        await change(session=session, post=post, user_id=viewer_id, kind=kind)
        return await posts.view_post(session=session, post=post, viewer_id=viewer_id, links=links)

    return endpoint


for _kind in ReactionKind:
    router.add_api_route(
        f"/{{post_id}}/{_kind.value}",
        raises(Forbidden)(_route(_kind, service.react)),  # one of you blocks the other
        methods=["POST"],
        name=f"{_kind.value}_post",
    )
    router.add_api_route(
        f"/{{post_id}}/{_kind.value}",
        _route(_kind, service.unreact),
        methods=["DELETE"],
        name=f"remove_{_kind.value}",
    )
