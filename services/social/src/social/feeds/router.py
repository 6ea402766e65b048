"""GET /feed, /feed/global, /posts, /users/{id}/posts and /tags/{name}/posts: newest first,
cursor paged. The platform's most frequent requests, so they come the short way in
(common.read_routes) and their bodies are written on the read path (common.reads);
`response_model` documents them (tests/feeds/test_read_path.py checks that they validate)."""

from fastapi import APIRouter

from common.pagination import IdPageDep, Page
from common.read_routes import read_route
from common.reads import JSONBytes, ReadsDep
from social.feeds import service
from social.links import LinksDep
from social.posts.schemas import PostRead
from social.profiles.dependencies import OptionalReaderId, ReaderId, VisibleAuthorId
from social.tags.dependencies import TagName

router = APIRouter(tags=["feeds"])
PAGE_OF_POSTS = Page[PostRead]


@router.get("/feed", response_model=PAGE_OF_POSTS)
@read_route
async def home_feed(
    viewer_id: ReaderId, page: IdPageDep, reads: ReadsDep, links: LinksDep
) -> JSONBytes:
    return await service.home_feed(reads=reads, viewer_id=viewer_id, page=page, links=links)


@router.get("/feed/global", response_model=PAGE_OF_POSTS)
@router.get("/posts", response_model=PAGE_OF_POSTS)
@read_route
async def global_feed(
    viewer_id: OptionalReaderId, page: IdPageDep, reads: ReadsDep, links: LinksDep
) -> JSONBytes:
    return await service.global_feed(reads=reads, page=page, viewer_id=viewer_id, links=links)


@router.get("/users/{user_id}/posts", response_model=PAGE_OF_POSTS)
@read_route
async def user_posts(
    viewer_id: OptionalReaderId,
    author_id: VisibleAuthorId,
    page: IdPageDep,
    reads: ReadsDep,
    links: LinksDep,
) -> JSONBytes:
    return await service.user_feed(
        reads=reads, author_id=author_id, page=page, viewer_id=viewer_id, links=links
    )


@router.get("/tags/{name}/posts", response_model=PAGE_OF_POSTS)
@read_route
async def tag_posts(
    name: TagName, viewer_id: OptionalReaderId, page: IdPageDep, reads: ReadsDep, links: LinksDep
) -> JSONBytes:
    """A tag's posts, newest first."""
    return await service.tag_feed(
        reads=reads, tag=name, page=page, viewer_id=viewer_id, links=links
    )
