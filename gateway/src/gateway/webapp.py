"""The web app (web/, built to static files) served at / on the API's own origin.

Same origin means no CORS and the refresh cookie (path /auth) just works. Every path the
routing table does not send to a service is the app's: a file of the build, or else
index.html, whose client-side router shows the screen (so a reload of /people/42 works).
Hashed assets are cached for a year; index.html is revalidated on every visit, so a new
build is picked up at once. Bodies are compressed once per file version (brotli or
gzip, as the browser accepts) and kept in memory: a build is a few hundred kilobytes.
"""

import asyncio
import gzip
import hashlib
import html
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import brotli
from starlette.responses import HTMLResponse, Response
from starlette.types import Scope

from common.errors import error_response
from gateway.headers import header, qualities

INDEX = "index.html"
# Where SvelteKit puts files whose names carry a hash of their content.
IMMUTABLE_DIRS = ("_app/immutable/",)
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESSIBLE = frozenset(
    {
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "application/wasm",
        "image/svg+xml",
        "text/css",
        "text/html",
        "text/javascript",
        "text/plain",
    }
)
# Smaller bodies gain nothing from compression but a header.
MIN_COMPRESS_BYTES = 512
# Preferred first: brotli is ~15-20% smaller than gzip on JavaScript.
ENCODINGS = ("br", "gzip")

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/manifest+json", ".webmanifest")


@dataclass
class Asset:
    """One file of the build as it is on disk now, with its compressed forms."""

    version: tuple[int, int]  # (mtime_ns, size): a rebuilt file is read again
    body: bytes
    media_type: str
    etag: str
    compressed: dict[str, bytes] = field(default_factory=dict)

    @property
    def compressible(self) -> bool:
        return self.media_type in COMPRESSIBLE and len(self.body) >= MIN_COMPRESS_BYTES


def _compress(body: bytes) -> dict[str, bytes]:
    return {"br": brotli.compress(body, quality=11), "gzip": gzip.compress(body, mtime=0)}


def accepted_encoding(accept_encoding: str) -> str | None:
    """The best of ENCODINGS the Accept-Encoding header allows (q > 0), if any."""
    allowed = {name for name, _ in qualities(accept_encoding)}
    return next((encoding for encoding in ENCODINGS if encoding in allowed), None)


class WebApp:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._assets: dict[Path, Asset] = {}

    def _file(self, path: str) -> Path | None:
        """The build's file for a URL path; never one outside the build or a dotfile."""
        parts = PurePosixPath(path).parts[1:]
        if any(part.startswith(".") or "\\" in part or "\0" in part for part in parts):
            return None
        candidate = (self.root.joinpath(*parts) if parts else self.root / INDEX).resolve()
        inside = candidate.is_relative_to(self.root)  # a symlink may point anywhere
        return candidate if inside and candidate.is_file() else None

    async def _asset(self, file: Path) -> Asset:
        # Blocking calls on purpose: a stat and (once per version) a read of a small local
        # file cost less than a thread hop.
        stat = file.stat()  # noqa: ASYNC240
        version = (stat.st_mtime_ns, stat.st_size)
        cached = self._assets.get(file)
        if cached is not None and cached.version == version:
            return cached
        if file.name == INDEX and file.parent == self.root:
            # A new build: the previous one's files (other hashed names) are not asked for.
            self._assets.clear()
        body = file.read_bytes()  # noqa: ASYNC240
        media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        asset = Asset(version, body, media_type, hashlib.sha256(body).hexdigest()[:32])
        if asset.compressible:
            # Off the event loop: brotli's best quality takes a moment on a large bundle.
            asset.compressed = await asyncio.to_thread(_compress, body)
        self._assets[file] = asset
        return asset

    async def response(self, scope: Scope) -> Response:
        """GET or HEAD of any path that is not the API's."""
        path = scope["path"]
        relative = path.lstrip("/")
        file = self._file(path)
        if file is None:
            if relative.startswith(IMMUTABLE_DIRS):
                # An asset of another build: index.html in its place would be run as script.
                return error_response(404, "not_found", f"No file {path} in the web app")
            file = self._file("/" + INDEX)
            if file is None:
                return self._not_built(scope)
        asset = await self._asset(file)
        immutable = file.relative_to(self.root).as_posix().startswith(IMMUTABLE_DIRS)
        return self._send(scope, asset, IMMUTABLE if immutable else REVALIDATE)

    def _send(self, scope: Scope, asset: Asset, cache_control: str) -> Response:
        encoding = accepted_encoding(header(scope, b"accept-encoding"))
        if not asset.compressible:
            encoding = None
        headers = {
            "Cache-Control": cache_control,
            "ETag": f'"{asset.etag}{"-" + encoding if encoding else ""}"',
            "X-Content-Type-Options": "nosniff",
        }
        if asset.compressible:
            headers["Vary"] = "Accept-Encoding"
        if headers["ETag"] in header(scope, b"if-none-match"):
            return Response(status_code=304, headers=headers)
        body = asset.body
        if encoding:
            headers["Content-Encoding"] = encoding
            body = asset.compressed[encoding]
        media_type = asset.media_type
        if media_type.startswith("text/") or media_type.endswith(("+json", "/json")):
            media_type += "; charset=utf-8"
        return Response(body, media_type=media_type, headers=headers)

    def _not_built(self, scope: Scope) -> Response:
        message = (
            f"The web app is not built ({self.root}/{INDEX} is missing). `uv run stack up` "
            "builds it, or run `npm ci && npm run build` in web/. The API works meanwhile: "
            "see /docs."
        )
        if "text/html" not in header(scope, b"accept"):
            return error_response(503, "web_app_not_built", message)
        page = (
            "<!doctype html><meta charset=utf-8><title>Web app not built</title>"
            f"<h1>The web app is not built</h1><p>{html.escape(message)}</p>"
        )
        return HTMLResponse(page, status_code=503, headers={"Cache-Control": REVALIDATE})
