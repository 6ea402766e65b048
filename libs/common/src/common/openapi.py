"""An OpenAPI document that lists every error an operation can answer, in the shared shape.

Statuses are derived, not listed by hand per route:
- `@raises(...)` on an endpoint or on any dependency it uses (a 404-or-load dependency,
  an ownership check) names the errors that code raises; FastAPI's dependency tree carries
  them to every route that uses it;
- a route that needs a token (`CurrentUser`) answers 401, one that only reads it
  (`OptionalUser`) answers 401 to a bad token and declares its auth optional;
- a route with a path parameter answers 404 when it names nothing, one with a body 400
  when the body cannot be parsed at all;
- every route answers 503 while a dependency of its service is down;
- FastAPI's own 422 is documented with the shape the error handler really sends, and its
  redirects without the JSON body they do not have.
"""

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.constants import REF_TEMPLATE
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict

from common.errors import ApiError, is_mastodon_path
from common.tokens import current_user, optional_user

ERROR_SCHEMA = "ErrorResponse"
MASTODON_ERROR_SCHEMA = "MastodonError"

Call = TypeVar("Call", bound=Callable[..., Any])


class ErrorDetail(BaseModel):
    # Some errors add fields (a validation error's `fields`, a conflict's `field`).
    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    request_id: str | None


class ErrorResponse(BaseModel):
    """Every error of every service and of the gateway."""

    error: ErrorDetail


class MastodonError(BaseModel):
    """Every error of the Mastodon client API's paths (docs.joinmastodon.org, Error)."""

    error: str
    error_description: str | None = None


def error_statuses(*errors: type[ApiError] | int) -> set[int]:
    return {e if isinstance(e, int) else e.status for e in errors}


def raises(*errors: type[ApiError] | int) -> Callable[[Call], Call]:
    """Declares the errors an endpoint or a dependency raises, for the OpenAPI document."""

    def mark(call: Call) -> Call:
        call.__api_errors__ = error_statuses(*errors) | getattr(call, "__api_errors__", set())  # type: ignore[attr-defined]
        return call

    return mark


def error_response(status: int, *, mastodon: bool = False) -> dict[str, Any]:
    """One documented error response: the status's phrase, with the shared error schema
    (Mastodon's on the Mastodon client API's paths)."""
    model = MASTODON_ERROR_SCHEMA if mastodon else ERROR_SCHEMA
    return {
        "description": HTTPStatus(status).phrase,
        "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model=model)}}},
    }


def error_schemas() -> dict[str, Any]:
    """The error schemas and what they refer to, as OpenAPI components."""
    schema = ErrorResponse.model_json_schema(ref_template=REF_TEMPLATE)
    definitions = schema.pop("$defs", {})
    mastodon = MastodonError.model_json_schema(ref_template=REF_TEMPLATE)
    return {ERROR_SCHEMA: schema, MASTODON_ERROR_SCHEMA: mastodon, **definitions}


def add_error_responses(
    operation: dict[str, Any], statuses: Iterable[int], *, mastodon: bool = False
) -> None:
    responses = operation.setdefault("responses", {})
    for status in sorted(statuses):
        responses.setdefault(str(status), error_response(status, mastodon=mastodon))


def optional_auth(call: Call) -> Call:
    """Marks a dependency that reads a token when there is one (an app token's optional
    variant): its operations also serve callers without a token."""
    call.__optional_auth__ = True  # type: ignore[attr-defined]
    return call


def _calls(dependant: Dependant) -> Iterable[Any]:
    yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def _redirects_have_no_body(operation: dict[str, Any]) -> None:
    # FastAPI gives every response a JSON body; a redirect has none, only its Location.
    for status, response in operation.get("responses", {}).items():
        if status.startswith("3"):
            response.pop("content", None)
            response.setdefault("headers", {})["Location"] = {
                "description": "Where to go next",
                "schema": {"type": "string"},
            }


def _streams_are_openapi_3_1(operation: dict[str, Any]) -> None:
    # FastAPI documents a stream's items with OpenAPI 3.2's itemSchema, which makes a 3.1
    # document invalid; in 3.1 the stream's schema describes one item (the operation's own
    # schema, when it gives one, is the more precise).
    for response in operation.get("responses", {}).values():
        for content in response.get("content", {}).values():
            if "itemSchema" in content:
                item = content.pop("itemSchema")
                content.setdefault("schema", item)


def document_errors(app: FastAPI, always: Iterable[int] = (503,)) -> None:
    """Makes `app.openapi()` list each operation's errors (see the module docstring)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        components.update(error_schemas())
        for route in iter_route_contexts(app.routes):
            if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
                continue
            calls = set(_calls(route.dependant))
            statuses = set(always).union(*(getattr(c, "__api_errors__", ()) for c in calls))
            needs_token = current_user in calls
            reads_token = optional_user in calls or any(
                getattr(c, "__optional_auth__", False) for c in calls
            )
            mastodon = is_mastodon_path(route.path_format or "")
            if route.param_convertors:
                statuses.add(404)
            if needs_token or reads_token:
                statuses.add(401)
            for method in route.methods or ():
                operation = schema["paths"].get(route.path_format, {}).get(method.lower())
                if operation is None:
                    continue
                _redirects_have_no_body(operation)
                _streams_are_openapi_3_1(operation)
                if "422" in operation.get("responses", {}):
                    operation["responses"]["422"] = error_response(422, mastodon=mastodon)
                # A body that is not even parseable (bytes that are not UTF-8 JSON).
                body = (400,) if "requestBody" in operation else ()
                add_error_responses(operation, statuses.union(body), mastodon=mastodon)
                if reads_token and not needs_token and operation.get("security"):
                    # An empty requirement: the operation also serves callers without a token.
                    operation["security"] = [*operation["security"], {}]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
