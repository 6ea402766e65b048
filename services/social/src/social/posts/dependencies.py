"""The post a path names and the viewer may see (404), the one the caller owns (403), and
POST /posts' two bodies."""

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
from social.models import IMAGES_MAX, Post
from social.posts import repository
from social.posts.schemas import PostCreate, PostUpload, PostUploadForm
from social.profiles.dependencies import OptionalViewerId, ViewerId


async def load_post(post_id: str, session: SessionDep, viewer_id: OptionalViewerId) -> Post:
    """The post, unless a private account wrote it and the viewer is neither its author
    nor an approved follower: then it does not exist for them (404, not 403, which would
    say that it does). Its comments, reactions and images go through here too."""
    post = await repository.get(session, parse_id(post_id, what="post"))
    if post is None or not await repository.may_see(session, viewer_id, post):
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


def _missing(field: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", field), "msg": message, "type": "missing"}])


async def post_body(request: Request) -> AsyncIterator[PostCreate | PostUpload]:
    """multipart (1–10 `image` parts, an `alt` part each, `caption`, `sensitive`,
    `spoiler_text`) or JSON (`media_ids`), by Content-Type. Counted here, before a byte
    goes to media: a refused post leaves no upload behind."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        try:
            data = await request.json()
        except ValueError as exc:
            raise RequestValidationError(
                [{"loc": ("body",), "msg": "Body is not valid JSON", "type": "json_invalid"}]
            ) from exc
        yield _validated(PostCreate, data)
        return
    # The images are spooled to temporary files by the parser and closed with the request.
    # Room for more than allowed, so that one too many is a 422 that says so.
    async with request.form(max_files=IMAGES_MAX + 1, max_fields=2 * IMAGES_MAX + 10) as form:
        images = [part for part in form.getlist("image") if isinstance(part, UploadFile)]
        alts = [str(alt) for alt in form.getlist("alt")]
        if not images:
            raise _missing("image", "At least one image file is required")
        if len(images) > IMAGES_MAX:
            raise RequestValidationError(
                [
                    {
                        "loc": ("body", "image"),
                        "msg": f"At most {IMAGES_MAX} images",
                        "type": "too_long",
                    }
                ]
            )
        if alts and len(alts) != len(images):
            raise _missing("alt", "One alt part per image, in the same order (may be empty)")
        raw: dict[str, Any] = {"caption": form.get("caption", ""), "alts": alts}
        if "spoiler_text" in form:
            raw["spoiler_text"] = form["spoiler_text"]
        if "sensitive" in form:
            # Form text: only the two words, not every string pydantic reads as a bool.
            if form["sensitive"] not in ("true", "false"):
                raise RequestValidationError(
                    [
                        {
                            "loc": ("body", "sensitive"),
                            "msg": 'Either "true" or "false"',
                            "type": "bool_parsing",
                        }
                    ]
                )
            raw["sensitive"] = form["sensitive"] == "true"
        fields = _validated(PostUploadForm, raw)
        yield PostUpload(
            images=images,
            alts=fields.alts or [""] * len(images),
            caption=fields.caption,
            sensitive=fields.sensitive,
            spoiler_text=fields.spoiler_text,
        )


PostBody = Annotated[PostCreate | PostUpload, Depends(post_body)]


def _text_field(name: str) -> dict[str, Any]:
    # A form field is text whatever it looks like ("123" is a caption), so only its length
    # and content rules apply, not a JSON type.
    schema = PostUploadForm.model_json_schema()["properties"][name]
    if name == "alts":
        return {"items": {k: v for k, v in schema["items"].items() if k != "type"}}
    return {k: v for k, v in schema.items() if k != "type"}


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
                        # One part per image, 1 to 10 of them, in order. Said in words:
                        # an array of binaries is what OpenAPI means, but the contract
                        # test's generator cannot build one.
                        "image": {
                            "type": "string",
                            "format": "binary",
                            "description": f"Repeat the part for each image, 1 to {IMAGES_MAX}",
                        },
                        # Text, repeated like `image` (an array to OpenAPI, but a form
                        # part holds text whatever it looks like).
                        "alt": {
                            **_text_field("alts")["items"],
                            "description": "Repeat the part for each image, in the same order "
                            "(may be empty)",
                            "default": "",
                        },
                        "caption": _text_field("caption"),
                        # Form text: exactly "true" or "false".
                        "sensitive": {"enum": ["true", "false"], "default": "false"},
                        "spoiler_text": _text_field("spoiler_text"),
                    },
                }
            },
            "application/json": {"schema": PostCreate.model_json_schema()},
        },
    }
}
