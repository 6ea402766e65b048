"""GET /feed, /feed/global, /posts, /users/{id}/posts and /tags/{name}/posts: newest first,
cursor paged."""

from fastapi import APIRouter

from common.db import SessionDep
from common.pagination import IdPageDep, Page
from social.feeds import service
from social.links import LinksDep
from social.posts.schemas import PostRead
from social.profiles.dependencies import OptionalViewerId, ViewerId, VisibleProfileDep
from social.tags.dependencies import TagName

router = APIRouter(tags=["feeds"])


@router.get("/feed")
async def home_feed(
    viewer_id: ViewerId, page: IdPageDep, session: SessionDep, links: LinksDep
) -> Page[PostRead]:
    return await service.home_feed(session=session, viewer_id=viewer_id, page=page, links=links)


@router.get("/feed/global")
@router.get("/posts")
async def global_feed(
    viewer_id: OptionalViewerId, page: IdPageDep, session: SessionDep, links: LinksDep
) -> Page[PostRead]:
    return await service.global_feed(session=session, page=page, viewer_id=viewer_id, links=links)


@router.get("/users/{user_id}/posts")
async def user_posts(
    viewer_id: OptionalViewerId,
    author: VisibleProfileDep,
    page: IdPageDep,
    session: SessionDep,
    links: LinksDep,
) -> Page[PostRead]:
    return await service.user_feed(
        session=session, author=author, page=page, viewer_id=viewer_id, links=links
    )


@router.get("/tags/{name}/posts")
async def tag_posts(
    name: TagName,
    viewer_id: OptionalViewerId,
    page: IdPageDep,
    session: SessionDep,
    links: LinksDep,
) -> Page[PostRead]:
    """A tag's posts, newest first."""
    return await service.tag_feed(
        session=session, tag=name, page=page, viewer_id=viewer_id, links=links
    )
