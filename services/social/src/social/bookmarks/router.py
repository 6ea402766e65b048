"""POST/DELETE /posts/{id}/bookmark (each answers with the post), GET /users/me/bookmarks."""

from fastapi import APIRouter

from common.db import SessionDep
from common.pagination import IdPageDep, Page
from common.reads import JSONBytes, ReadsDep
from social.bookmarks import service
from social.links import LinksDep
from social.posts.dependencies import PostDep
from social.posts.schemas import PostRead
from social.profiles.dependencies import ViewerId

router = APIRouter(tags=["bookmarks"])


@router.post("/posts/{post_id}/bookmark")
async def bookmark_post(
    viewer_id: ViewerId, post: PostDep, session: SessionDep, links: LinksDep
) -> PostRead:
    """Bookmark a post (seen by the caller alone). Idempotent."""
    return await service.bookmark(session=session, post=post, user_id=viewer_id, links=links)


@router.delete("/posts/{post_id}/bookmark")
async def unbookmark_post(
    viewer_id: ViewerId, post: PostDep, session: SessionDep, links: LinksDep
) -> PostRead:
    """Remove a bookmark. Idempotent."""
    return await service.unbookmark(session=session, post=post, user_id=viewer_id, links=links)


@router.get("/users/me/bookmarks", response_model=Page[PostRead])
async def my_bookmarks(
    viewer_id: ViewerId, page: IdPageDep, reads: ReadsDep, links: LinksDep
) -> JSONBytes:
    """The caller's bookmarked posts, most recently bookmarked first; none the caller can no
    longer see."""
    return await service.list_bookmarks(reads=reads, user_id=viewer_id, page=page, links=links)
