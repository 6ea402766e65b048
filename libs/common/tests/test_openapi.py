"""OpenAPI lists the errors each operation answers; OPTIONS and 405 name every method."""

from contextlib import asynccontextmanager
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from openapi_spec_validator import validate

from common.app import create_service_app
from common.errors import Conflict, Forbidden, NotFound
from common.openapi import raises
from common.settings import ServiceSettings
from common.tokens import CurrentUser, OptionalUser

router = APIRouter()


@raises(NotFound, Forbidden)
async def owned_post(post_id: str) -> str:
    raise Forbidden()


OwnedPost = Annotated[str, Depends(owned_post)]


@router.get("/posts")
async def list_posts(viewer: OptionalUser, limit: int = 20) -> list[str]:
    return []


@router.get("/posts/{post_id}")
async def read_post(post_id: str) -> str:
    return post_id


@router.delete("/posts/{post_id}", status_code=204)
async def delete_post(post: OwnedPost, user: CurrentUser) -> None:
    return None


@router.post("/users/{user_id}/follow")
@raises(Conflict, 400)
async def follow(user_id: str, user: CurrentUser) -> None:
    return None


@router.patch("/users/me")
async def update_me(user: CurrentUser) -> None:
    return None


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_service_app(
        service="test",
        title="Test",
        settings=ServiceSettings(),
        lifespan=lifespan,
        routers=[router],
    )


def statuses(document: dict, method: str, path: str) -> set[str]:
    return set(document["paths"][path][method]["responses"])


def test_every_operation_lists_its_errors_with_the_shared_schema(app: FastAPI):
    document = app.openapi()
    validate(document)
    assert statuses(document, "get", "/posts") == {"200", "401", "422", "503"}
    assert statuses(document, "get", "/posts/{post_id}") == {"200", "404", "422", "503"}
    # The dependency's 403 reaches the route that uses it.
    assert statuses(document, "delete", "/posts/{post_id}") == {
        "204", "401", "403", "404", "422", "503"
    }  # fmt: skip
    assert statuses(document, "post", "/users/{user_id}/follow") >= {"400", "401", "409"}
    error = document["paths"]["/posts/{post_id}"]["get"]["responses"]["422"]
    assert error["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["ErrorDetail"]["required"]) == {"code", "message", "request_id"}


def test_a_token_read_but_not_required_is_optional_auth(app: FastAPI):
    document = app.openapi()
    assert document["paths"]["/posts"]["get"]["security"] == [{"OAuth2PasswordBearer": []}, {}]
    assert document["paths"]["/users/me"]["patch"]["security"] == [{"OAuth2PasswordBearer": []}]


@pytest.fixture
async def client(app: FastAPI):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_options_and_405_name_every_method_of_the_path(client: httpx.AsyncClient):
    options = await client.options("/posts/p1")
    assert options.status_code == 204
    assert options.headers["allow"] == "DELETE, GET, OPTIONS"
    wrong = await client.put("/posts/p1")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "DELETE, GET, OPTIONS"
    assert wrong.json()["error"]["code"] == "method_not_allowed"
    # /users/me is its own resource, not /users/{user_id} with user_id "me".
    me = await client.options("/users/me")
    assert me.headers["allow"] == "OPTIONS, PATCH"
    assert (await client.options("/nowhere")).status_code == 404
