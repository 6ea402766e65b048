"""One OpenAPI document for the whole platform, merged from every service's own.

Only the paths the routing table sends to a service are kept (never /health, /metrics or
/internal/*). A schema name two services define differently is prefixed with its
service's name, and that service's references are rewritten to match. Every operation
also lists the errors the gateway itself answers in front of it.
"""

import asyncio
import copy
import json
import time
from typing import Any

import aiohttp

from common.openapi import add_error_responses, error_schemas
from gateway.balancer import parse_urls
from gateway.routes import RoutingTable

BEARER = {
    "type": "oauth2",
    "description": "Sign in with username (or email) and password; the gateway passes the "
    "bearer token to every service.",
    "flows": {"password": {"tokenUrl": "/auth/login", "scopes": {}}},
}
REF_PREFIX = "#/components/schemas/"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
# Rate limits, and an upstream that is down, times out or answers garbage.
GATEWAY_ERRORS = (429, 502, 503, 504)
# The body limit, checked before a byte reaches the service.
BODY_ERRORS = (413,)


async def _fetch(session: aiohttp.ClientSession, base_url: str) -> dict[str, Any] | None:
    try:
        async with session.get(
            f"{base_url}/openapi.json", timeout=aiohttp.ClientTimeout(total=3)
        ) as response:
            if response.status != 200:
                return None
            result: dict[str, Any] | None = await response.json()
            return result
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    text = json.dumps(node)
    for old, new in renames.items():
        text = text.replace(f'"{REF_PREFIX}{old}"', f'"{REF_PREFIX}{new}"')
    return json.loads(text)


def merge(documents: dict[str, dict[str, Any] | None], table: RoutingTable) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    unavailable = [name for name, doc in documents.items() if doc is None]
    for service, doc in documents.items():
        if doc is None:
            continue
        doc = copy.deepcopy(doc)
        own = doc.get("components", {}).get("schemas", {})
        renames = {
            name: f"{service.capitalize()}{name}"
            for name, schema in own.items()
            if name in schemas and schemas[name] != schema
        }
        if renames:
            doc = _rename_refs(doc, renames)
            own = {renames.get(name, name): schema for name, schema in own.items()}
        schemas.update(own)
        for path, item in doc.get("paths", {}).items():
            if not table.serves(service, path):
                continue
            for method, operation in item.items():
                if method not in HTTP_METHODS:
                    continue
                operation["tags"] = [service, *operation.get("tags", [])]
                body = BODY_ERRORS if "requestBody" in operation else ()
                add_error_responses(operation, (*GATEWAY_ERRORS, *body))
            paths[path] = item
    description = "Every public endpoint of the platform, as served by the gateway."
    if unavailable:
        description += f" Missing right now (service down): {', '.join(unavailable)}."
    return {
        "openapi": "3.1.0",
        "info": {"title": "Photo platform", "version": "1.0.0", "description": description},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted((schemas | error_schemas()).items())),
            # FastAPI names the bearer scheme after its class; one definition serves all.
            "securitySchemes": {"OAuth2PasswordBearer": BEARER},
        },
        "tags": [{"name": name} for name in documents],
    }


class MergedOpenAPI:
    """Cached for a short while: the documents change only when a service is redeployed."""

    def __init__(
        self, session: aiohttp.ClientSession, upstreams: dict[str, str], ttl: float = 30.0
    ) -> None:
        self.session = session
        self.upstreams = upstreams
        self.table = RoutingTable()
        self.ttl = ttl
        self._cached: tuple[float, dict[str, Any]] | None = None

    async def _fetch_any(self, setting: str) -> dict[str, Any] | None:
        """The document of the first of a service's replicas that answers."""
        for url in parse_urls(setting):
            if (document := await _fetch(self.session, url)) is not None:
                return document
        return None

    async def document(self) -> dict[str, Any]:
        if self._cached and time.monotonic() - self._cached[0] < self.ttl:
            return self._cached[1]
        names = list(self.upstreams)
        fetched = await asyncio.gather(*(self._fetch_any(self.upstreams[n]) for n in names))
        documents = dict(zip(names, fetched, strict=True))
        merged = merge(documents, self.table)
        if all(doc is not None for doc in fetched):
            self._cached = (time.monotonic(), merged)
        return merged
