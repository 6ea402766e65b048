"""One OpenAPI document for the platform: public paths only, names kept apart, valid."""

import re

import pytest
from openapi_spec_validator import validate

from gateway.openapi import merge
from gateway.routes import RoutingTable


def service_doc(path: str, field: str) -> dict:
    ref = {"$ref": "#/components/schemas/Item"}
    param = path.split("{")[1].rstrip("}")
    return {
        "openapi": "3.1.0",
        "info": {"title": "svc", "version": "1"},
        "paths": {
            path: {
                "get": {
                    "parameters": [{"name": param, "in": "path", "required": True, "schema": {}}],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": ref}},
                        }
                    },
                }
            },
            "/health": {"get": {"responses": {"200": {"description": "ok"}}}},
            "/internal/media/{media_id}": {"delete": {"responses": {"204": {"description": "x"}}}},
        },
        "components": {
            "schemas": {"Item": {"type": "object", "properties": {field: {"type": "string"}}}}
        },
    }


def test_merge_keeps_each_services_public_paths_and_separates_clashing_schemas():
    merged = merge(
        {
            "social": service_doc("/posts/{post_id}", "caption"),
            "media": service_doc("/media/{media_id}", "sha256"),
            "auth": None,
        },
        RoutingTable(),
    )
    validate(merged)
    assert set(merged["paths"]) == {"/posts/{post_id}", "/media/{media_id}"}
    media_ref = merged["paths"]["/media/{media_id}"]["get"]["responses"]["200"]["content"]
    assert media_ref["application/json"]["schema"]["$ref"] == "#/components/schemas/MediaItem"
    assert merged["components"]["schemas"]["Item"]["properties"] == {"caption": {"type": "string"}}
    assert "sha256" in merged["components"]["schemas"]["MediaItem"]["properties"]
    assert merged["paths"]["/posts/{post_id}"]["get"]["tags"] == ["social"]
    assert "auth" in merged["info"]["description"]  # says what is missing
    assert merged["components"]["securitySchemes"]["OAuth2PasswordBearer"]["type"] == "oauth2"
    # The gateway's own refusals, in the shared error shape, on every operation.
    responses = merged["paths"]["/posts/{post_id}"]["get"]["responses"]
    assert set(responses) == {"200", "429", "502", "503", "504"}
    assert responses["429"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
    assert "ErrorResponse" in merged["components"]["schemas"]


def test_an_operation_with_a_body_can_meet_the_gateways_body_limit():
    doc = service_doc("/posts/{post_id}", "caption")
    doc["paths"]["/posts/{post_id}"]["put"] = {"requestBody": {}, "responses": {}}
    merged = merge({"social": doc}, RoutingTable())
    assert "413" in merged["paths"]["/posts/{post_id}"]["put"]["responses"]
    assert "413" not in merged["paths"]["/posts/{post_id}"]["get"]["responses"]


async def test_the_gateway_serves_a_valid_merged_document_and_swagger_ui(client):
    response = await client.get("/openapi.json")
    document = response.json()
    validate(document)
    assert "/posts/{post_id}" in document["paths"]
    assert not any(p.startswith(("/health", "/internal")) for p in document["paths"])
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text and "/openapi.json" in docs.text


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_load_every_asset_from_the_gateway_itself(client, page):
    html = (await client.get(page)).text
    assert "/openapi.json" in html
    # Every script, stylesheet and icon is a path on the gateway, never another host.
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(url.startswith("/") and not url.startswith("//") for url in assets)
    for url in assets:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) > 1000, url


def test_federations_negotiated_documents_sit_beside_socials_api():
    federation = service_doc("/users/{username}", "preferredUsername")
    ok = {"responses": {"200": {"description": "ok"}}}
    federation["paths"] |= {"/.well-known/webfinger": {"get": ok}, "/inbox": {"post": ok}}
    merged = merge(
        {"social": service_doc("/users/{user_id}", "bio"), "federation": federation},
        RoutingTable(),
    )
    validate(merged)
    assert set(merged["paths"]) == {
        "/users/{user_id}",
        "/users/{username}",
        "/.well-known/webfinger",
        "/inbox",
    }
    assert merged["paths"]["/users/{username}"]["get"]["tags"] == ["federation"]
    assert merged["paths"]["/users/{user_id}"]["get"]["tags"] == ["social"]
