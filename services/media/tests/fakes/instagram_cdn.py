"""A fake of Instagram's picture CDN: GET a signed path, get the bytes (or an error)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from stack.processes import free_port


@dataclass
class FakeCdn:
    port: int = field(default_factory=free_port)
    # path → (status, content type, body)
    files: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def url(self, path: str, signature: str = "sig") -> str:
        # Real CDN links carry expiring signatures in the query, like these.
        return f"http://127.0.0.1:{self.port}/{path}?oh={signature}&oe=65F00000"

    async def serve(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        self.hits.append(path)
        status, content_type, body = self.files.get(
            path, (404, "text/plain", b"URL signature expired")
        )
        return web.Response(status=status, body=body, content_type=content_type)


@asynccontextmanager
async def running_cdn() -> AsyncIterator[FakeCdn]:
    cdn = FakeCdn()
    app = web.Application()
    app.router.add_get("/{path:.+}", cdn.serve)
    # No access log: it is Instagram's log, and tests read ours for leaked URLs.
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", cdn.port).start()
    try:
        yield cdn
    finally:
        await runner.cleanup()
