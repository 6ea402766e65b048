"""GET/POST /posts/{id}/comments, DELETE /comments/{id}."""

from fastapi import APIRouter, Response

from common.db import SessionDep
from common.errors import Forbidden
from common.openapi import raises
from common.pagination import IdPageDep, Page
from social.comments import service
from social.comments.dependencies import OwnCommentDep
from social.comments.schemas import CommentCreate, CommentRead
from social.links import LinksDep
from social.posts.dependencies import PostDep
from social.profiles.dependencies import MyProfileDep, OptionalViewerId

router = APIRouter(tags=["comments"])


@router.get("/posts/{post_id}/comments")
async def list_comments(
    viewer_id: OptionalViewerId,
    post: PostDep,
    page: IdPageDep,
    session: SessionDep,
    links: LinksDep,
) -> Page[CommentRead]:
    return await service.list_comments(
        session=session, post=post, viewer_id=viewer_id, page=page, links=links
    )


@router.post("/posts/{post_id}/comments", status_code=201)
@raises(Forbidden)
async def add_comment(
    body: CommentCreate, me: MyProfileDep, post: PostDep, session: SessionDep, links: LinksDep
) -> CommentRead:
    return await service.add_comment(session=session, post=post, author=me, body=body, links=links)


@router.delete("/comments/{comment_id}", status_code=204)
async def delete_comment(comment: OwnCommentDep, session: SessionDep) -> Response:
    await service.delete_comment(session=session, comment=comment)
    return Response(status_code=204)
