"""The gateway's merged OpenAPI document, built in-process from the services' apps exactly
as the gateway builds it from the running services (gateway/src/gateway/openapi.py): no
stack is needed. For the generated web types and docs/api.md."""

from typing import Any

from auth.main import create_app as auth_app
from federation.main import create_app as federation_app
from gateway.openapi import merge
from gateway.routes import RoutingTable
from igscraper.main import create_app as igscraper_app
from media.main import create_app as media_app
from social.main import create_app as social_app

# The gateway's upstream order: it decides which service's schema keeps a shared name.
SERVICES = {
    "auth": auth_app,
    "social": social_app,
    "media": media_app,
    "igscraper": igscraper_app,
    "federation": federation_app,
}


def merged_document() -> dict[str, Any]:
    documents = {name: create_app().openapi() for name, create_app in SERVICES.items()}
    return merge(documents, RoutingTable())
