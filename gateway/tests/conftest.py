"""A real upstream (aiohttp) and the real gateway (its own server), both on loopback ports."""

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from stack.processes import free_port

# Which upstream answered: social's stand-in or federation's.
NAME = web.AppKey("name", str)


async def echo(request: web.Request) -> web.Response:
    body = await request.read()
    return web.json_response(
        {
            "service": request.app[NAME],
            "method": request.method,
            "path": request.path_qs,
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body_bytes": len(body),
        }
    )


async def digest(request: web.Request) -> web.Response:
    sha, size = hashlib.sha256(), 0
    async for chunk in request.content.iter_any():
        sha.update(chunk)
        size += len(chunk)
    return web.json_response({"bytes": size, "sha256": sha.hexdigest()})


async def early(request: web.Request) -> web.Response:
    """An answer before the request's body is read, as a service's 401 or 405 to an upload."""
    return web.json_response({"early": True}, status=405)


# Slow requests the upstream began answering.
SLOW = {"started": 0}


async def slow(request: web.Request) -> web.Response:
    SLOW["started"] += 1
    await asyncio.sleep(float(request.query.get("seconds", "2")))
    return web.json_response({"late": True})


async def stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
    await response.prepare(request)
    for i in range(int(request.query.get("n", "5"))):
        await response.write(json.dumps({"i": i}).encode() + b"\n")
    await response.write_eof()
    return response


# Endless streams the upstream served, and which of them saw their reader leave.
ENDLESS = {"opened": 0, "closed": 0}


async def endless(request: web.Request) -> web.StreamResponse:
    """Server-sent events that never end, as an analysis's events stream until it is done."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    ENDLESS["opened"] += 1
    try:
        while True:
            await response.write(b": keep-alive\n\n")
            await asyncio.sleep(0.05)
    except (ConnectionResetError, asyncio.CancelledError):
        ENDLESS["closed"] += 1
        raise


async def serve(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture(scope="session")
async def upstream() -> AsyncIterator[str]:
    app = web.Application(client_max_size=1 << 30)
    app[NAME] = "social"
    app.router.add_get("/openapi.json", openapi_doc)
    app.router.add_route("*", "/posts/echo", echo)
    app.router.add_post("/posts/early", early)
    app.router.add_route("*", "/users/{tail:.*}", echo)
    app.router.add_post("/media", digest)
    app.router.add_get("/feed/slow", slow)
    app.router.add_get("/feed/stream", stream)
    app.router.add_get("/feed/endless", endless)
    async for url in serve(app):
        yield url


@pytest.fixture(scope="session")
async def federation_upstream() -> AsyncIterator[str]:
    """Echoes every request, so a test sees which ones the gateway sent to federation."""
    app = web.Application()
    app[NAME] = "federation"
    app.router.add_route("*", "/{tail:.*}", echo)
    async for url in serve(app):
        yield url


# A web app build as SvelteKit's static adapter lays it out: index.html and hashed modules.
INDEX_HTML = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Photo platform</title>'
    '<link href="/_app/immutable/entry/start.AbC123xy.js" rel="modulepreload"></head>'
    '<body><div id="app"></div></body></html>'
)
APP_JS = "export const screens = [" + ", ".join(f'"screen-{i}"' for i in range(400)) + "];\n"


@pytest.fixture(scope="session")
def web_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny fake build of web/, with a secret beside it that must never be served."""
    root = tmp_path_factory.mktemp("web")
    (root / "secret.txt").write_text("beside the build")
    build = root / "dist"
    (build / "_app" / "immutable" / "entry").mkdir(parents=True)
    (build / "index.html").write_text(INDEX_HTML)
    (build / "_app" / "immutable" / "entry" / "start.AbC123xy.js").write_text(APP_JS)
    (build / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (build / ".env").write_text("NOT=public")
    return build


@pytest.fixture(scope="session")
async def gateway(start_gateway, upstream, federation_upstream, web_build) -> AsyncIterator[str]:
    dead = f"http://127.0.0.1:{free_port()}"
    async with start_gateway(
        social_url=upstream,
        media_url=upstream,
        federation_url=federation_upstream,
        auth_url=dead,
        igscraper_url=dead,
        upstream_timeout_seconds=0.5,
        web_dir=web_build,
    ) as url:
        yield url


@pytest.fixture
async def client(gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway, timeout=10) as client:
        yield client


async def openapi_doc(request: web.Request) -> web.Response:
    """A service's OpenAPI document, with a schema name another service also defines."""
    return web.json_response(
        {
            "openapi": "3.1.0",
            "info": {"title": "upstream", "version": "1"},
            "paths": {
                "/posts/{post_id}": {
                    "get": {
                        "parameters": [
                            {"name": "post_id", "in": "path", "required": True, "schema": {}}
                        ],
                        "responses": {
                            "200": {
                                "description": "ok",
                                "content": {
                                    "application/json": {
                                        "schema": {"$ref": "#/components/schemas/Item"}
                                    }
                                },
                            }
                        },
                    }
                },
                "/health": {"get": {"responses": {"200": {"description": "ok"}}}},
                "/internal/secret": {"get": {"responses": {"200": {"description": "ok"}}}},
            },
            "components": {"schemas": {"Item": {"type": "object", "properties": {"caption": {}}}}},
        }
    )
