"""GET /tags/trending, GET /tags/{name}, POST/DELETE /tags/{name}/follow (a tag's posts
are a feed: GET /tags/{name}/posts is in social.feeds)."""

from fastapi import APIRouter

from common.db import SessionDep
from social.profiles.dependencies import OptionalViewerId, ViewerId
from social.tags import service
from social.tags.dependencies import TagName
from social.tags.schemas import TagRead, TrendingTags

router = APIRouter(prefix="/tags", tags=["tags"])


# Before /{name}: "trending" is this list, not a tag's page.
@router.get("/trending")
async def trending_tags(session: SessionDep) -> TrendingTags:
    """The tags most posts took in the last 24 hours, most used first."""
    return await service.trending(session=session)


@router.get("/{name}")
async def get_tag(name: TagName, viewer_id: OptionalViewerId, session: SessionDep) -> TagRead:
    """A tag (matched whatever its case), its posts count and whether the caller follows it."""
    return await service.read_tag(session=session, name=name, viewer_id=viewer_id)


@router.post("/{name}/follow")
async def follow_tag(name: TagName, viewer_id: ViewerId, session: SessionDep) -> TagRead:
    """Follow a tag: its posts join the caller's home feed. Idempotent."""
    return await service.follow_tag(session=session, user_id=viewer_id, name=name)


@router.delete("/{name}/follow")
async def unfollow_tag(name: TagName, viewer_id: ViewerId, session: SessionDep) -> TagRead:
    """Stop following a tag. Idempotent."""
    return await service.unfollow_tag(session=session, user_id=viewer_id, name=name)
