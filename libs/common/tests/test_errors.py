"""Every error leaves a service as {"error": {"code", "message", "request_id"}}, never a trace."""

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from common.errors import NotFound, install_error_handlers
from common.service_layer import ServiceLayer


class Profile(BaseModel):
    birthday: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


def build_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(ServiceLayer, service="test")

    @app.get("/posts/{post_id}")
    async def read_post(post_id: str) -> None:
        raise NotFound("Post not found", code="post_not_found")

    @app.put("/profile")
    async def update_profile(profile: Profile) -> Profile:
        return profile

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret-connection-string postgres://user:pw@db")

    return app


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_api_error_has_the_shape_and_the_request_id(client):
    response = await client.get("/posts/1", headers={"X-Request-ID": "req-123"})
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "post_not_found", "message": "Post not found", "request_id": "req-123"}
    }
    assert response.headers["x-request-id"] == "req-123"


async def test_unknown_route_and_method_are_json_too(client):
    missing = await client.get("/nowhere")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    wrong_method = await client.delete("/profile")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"


async def test_validation_error_names_the_field(client):
    response = await client.put("/profile", json={"birthday": "yesterday"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [f["field"] for f in error["fields"]] == ["birthday"]
    assert "birthday" in error["message"]


async def test_unexpected_error_is_a_bare_500(client):
    response = await client.get("/boom", headers={"X-Request-ID": "req-boom"})
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": "Internal server error",
            "request_id": "req-boom",
        }
    }
    assert "secret" not in response.text
    assert "Traceback" not in response.text
