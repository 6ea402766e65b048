"""Serving stored objects: validators, cache headers, 304s, bytes streamed from S3."""

from fastapi import Request, Response
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from media.images.exceptions import MediaNotFound
from media.storage import ObjectStore


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    # Weak comparison (RFC 9110 §13.1.2): W/"x" and "x" name the same representation.
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in candidates


async def serve_object(
    request: Request,
    objects: ObjectStore,
    *,
    key: str,
    etag: str,
    content_type: str,
    cache_control: str,
) -> Response:
    """The object at `key`, or 304 when the client's copy is current (S3 is not asked)."""
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    stored = await objects.open(key)
    if stored is None:
        raise MediaNotFound()
    if stored.size:
        headers["Content-Length"] = stored.size
    # A sync iterator: Starlette reads it on a worker thread, one chunk in memory at a time.
    return StreamingResponse(
        stored.chunks(),
        media_type=content_type,
        headers=headers,
        background=BackgroundTask(stored.close),
    )
