"""The post a path names (404), the one the caller owns (403), and POST /posts' two bodies."""

from collections.abc import AsyncIterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from common.db import SessionDep
from common.errors import Forbidden, NotFound
from common.openapi import raises
from social.ids import parse_id
from social.models import Post
from social.posts import repository
from social.posts.schemas import PostCreate, PostUpload, PostUploadForm
from social.profiles.dependencies import ViewerId


async def load_post(post_id: str, session: SessionDep) -> Post:
    post = await repository.get(session, parse_id(post_id, what="post"))
    if post is None:
        raise NotFound("Post not found", code="post_not_found")
    return post


PostDep = Annotated[Post, Depends(load_post)]
M = TypeVar("M", bound=BaseModel)


@raises(Forbidden)
async def load_own_post(viewer_id: ViewerId, post: PostDep) -> Post:
    if post.author_id != viewer_id:
        raise Forbidden("Only its author can do that to a post", code="not_post_author")
    return post


OwnPostDep = Annotated[Post, Depends(load_own_post)]


def _validated(model: type[M], data: Any) -> M:
    # The same 422 shape as FastAPI's own body validation.
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from exc


async def post_body(request: Request) -> AsyncIterator[PostCreate | PostUpload]:
    """multipart (`image` + `caption`) or JSON (`media_id` + `caption`), by Content-Type."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        try:
            data = await request.json()
        except ValueError as exc:
            raise RequestValidationError(
                [{"loc": ("body",), "msg": "Body is not valid JSON", "type": "json_invalid"}]
            ) from exc
        yield _validated(PostCreate, data)
        return
    # The image is spooled to a temporary file by the parser and closed with the request.
    async with request.form(max_files=1, max_fields=10) as form:
        fields = _validated(PostUploadForm, {"caption": form.get("caption", "")})
        image = form.get("image")
        if not isinstance(image, UploadFile):
            raise RequestValidationError(
                [{"loc": ("body", "image"), "msg": "An image file is required", "type": "missing"}]
            )
        yield PostUpload(image=image, caption=fields.caption)


PostBody = Annotated[PostCreate | PostUpload, Depends(post_body)]

# POST /posts parses its body itself (two content types), so OpenAPI is told here.
POST_BODY_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["image"],
                    "properties": {
                        "image": {"type": "string", "format": "binary"},
                        # A form field is text whatever it looks like ("123" is a caption),
                        # so only its length and content rules apply, not a JSON type.
                        "caption": {
                            k: v
                            for k, v in PostUploadForm.model_json_schema()["properties"][
                                "caption"
                            ].items()
                            if k != "type"
                        },
                    },
                }
            },
            "application/json": {"schema": PostCreate.model_json_schema()},
        },
    }
}
