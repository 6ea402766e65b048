"""The comment a path names (404), and the one its caller wrote (403)."""

from typing import Annotated

from fastapi import Depends

from common.db import SessionDep
from common.errors import Forbidden, NotFound
from common.openapi import raises
from social.comments import repository
from social.ids import parse_id
from social.models import Comment
from social.profiles.dependencies import ViewerId


@raises(Forbidden)
async def load_own_comment(comment_id: str, viewer_id: ViewerId, session: SessionDep) -> Comment:
    comment = await repository.get(session, parse_id(comment_id, what="comment"))
    if comment is None:
        raise NotFound("Comment not found", code="comment_not_found")
    if comment.author_id != viewer_id:
        raise Forbidden("Only its author can delete a comment", code="not_comment_author")
    return comment


OwnCommentDep = Annotated[Comment, Depends(load_own_comment)]
