"""POST /posts, GET/PATCH/DELETE /posts/{id}; for media, whether a post shows an image."""

import uuid

from fastapi import APIRouter, Response

from common.db import SessionDep
from common.errors import Forbidden, NotFound
from common.internal import InternalCaller
from common.openapi import raises
from social.clients.media import MediaDep
from social.links import LinksDep
from social.media_deletions.dependencies import FirstRetryAfterDep
from social.posts import service
from social.posts.dependencies import (
    POST_BODY_OPENAPI,
    OwnPostDep,
    PostBody,
    PostDep,
)
from social.posts.schemas import AltUpdate, MediaUsage, PostRead, PostUpdate
from social.profiles.dependencies import AuthorizationDep, OptionalViewerId, ViewerId

router = APIRouter(prefix="/posts", tags=["posts"])


@router.post("", status_code=201, openapi_extra=POST_BODY_OPENAPI)
@raises(Forbidden, NotFound, 413, 415, 422)
async def create_post(
    viewer_id: ViewerId,
    body: PostBody,
    session: SessionDep,
    media: MediaDep,
    authorization: AuthorizationDep,
    links: LinksDep,
) -> PostRead:
    post = await service.create_post(
        session=session, author_id=viewer_id, body=body, media=media, authorization=authorization
    )
    return await service.view_post(session=session, post=post, viewer_id=viewer_id, links=links)


@router.get("/{post_id}")
async def get_post(
    viewer_id: OptionalViewerId, post: PostDep, session: SessionDep, links: LinksDep
) -> PostRead:
    return await service.view_post(session=session, post=post, viewer_id=viewer_id, links=links)


@router.patch("/{post_id}")
async def update_post(
    changes: PostUpdate, post: OwnPostDep, session: SessionDep, links: LinksDep
) -> PostRead:
    """Change the caption and/or the content warning (its author only)."""
    updated = await service.update_post(session=session, post=post, changes=changes)
    return await service.view_post(
        session=session, post=updated, viewer_id=post.author_id, links=links
    )


@router.delete("/{post_id}", status_code=204)
async def delete_post(
    post: OwnPostDep,
    session: SessionDep,
    media: MediaDep,
    retry_after: FirstRetryAfterDep,
) -> Response:
    await service.delete_post(
        session=session,
        post=post,
        media=media,
        retry_after=retry_after,
    )
    return Response(status_code=204)


internal_router = APIRouter(prefix="/internal", tags=["internal"], dependencies=[InternalCaller])


@internal_router.get("/media/{media_id}/usage")
async def media_usage(media_id: uuid.UUID, session: SessionDep) -> MediaUsage:
    """For media: whether a post or an avatar shows this image (its owner may not delete
    it while one does)."""
    return MediaUsage(in_use=await service.media_in_use(session=session, media_id=media_id))


@internal_router.put("/media/{media_id}/alt", status_code=204)
async def media_alt(media_id: uuid.UUID, body: AltUpdate, session: SessionDep) -> Response:
    """For media: the owner changed this image's alt text; the posts showing it follow."""
    await service.set_alt(session=session, media_id=media_id, alt=body.alt)
    return Response(status_code=204)
