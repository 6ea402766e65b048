"""What every service's Mastodon client API routes share: bodies taken as JSON, a form or
multipart (Mastodon accepts all three, and `name[]` for arrays), and their OpenAPI."""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
BODY_TYPES = ("application/json", *FORM_TYPES)


async def request_params(request: Request) -> dict[str, Any]:
    """The body's parameters (JSON object, form or multipart); `name[]`, or a name given
    more than once, becomes a list under `name`. Files stay out: routes that take one read
    it themselves."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(FORM_TYPES):
        lists: dict[str, list[str]] = {}
        arrays: set[str] = set()
        async with request.form() as form:
            for key, value in form.multi_items():
                if not isinstance(value, str):
                    continue
                name = key.removesuffix("[]")
                if name != key:
                    arrays.add(name)
                lists.setdefault(name, []).append(value)
        return {
            name: values if name in arrays or len(values) > 1 else values[0]
            for name, values in lists.items()
        }
    body = await request.body()
    if not body.strip():
        return {}
    try:
        data = await request.json()
    except ValueError as exc:
        raise RequestValidationError(
            [{"loc": ("body",), "msg": "Expected a JSON object", "type": "json_invalid"}]
        ) from exc
    if not isinstance(data, dict):
        raise RequestValidationError(
            [{"loc": ("body",), "msg": "Expected a JSON object", "type": "json_invalid"}]
        )
    return data


def mastodon_body(model: type[Model]) -> Callable[[Request], Awaitable[Model]]:
    """A dependency: the body as `model`, from JSON, a form or multipart (422 otherwise)."""

    async def dependency(request: Request) -> Model:
        params = await request_params(request)
        try:
            return model.model_validate(params)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_input=False)) from exc

    return dependency


def body_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """The `openapi_extra` of a route whose body `mastodon_body(model)` reads."""
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {media_type: {"schema": schema} for media_type in BODY_TYPES},
        }
    }
