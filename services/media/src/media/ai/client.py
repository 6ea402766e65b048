"""The one place that talks to the AI image service: POST {AI_SERVICE_URL}/predict."""

import asyncio
import base64
import binascii
import logging

import httpx

logger = logging.getLogger(__name__)

DATA_URI_PREFIX = "data:image/"


async def request_image(
    http: httpx.AsyncClient,
    *,
    base_url: str,
    payload: dict[str, object],
    timeout: float,
    max_bytes: int,
) -> tuple[str, bytes] | None:
    """The data URI and decoded bytes the service answered, or None when it gave nothing usable
    (down, slow, an error, or not a base64 image data URI)."""
    try:
        async with asyncio.timeout(timeout):
            response = await http.post(f"{base_url.rstrip('/')}/predict", json=payload)
        response.raise_for_status()
        image = response.json().get("image")
        if not isinstance(image, str) or not image.startswith(DATA_URI_PREFIX):
            raise ValueError("no image data URI in the answer")
        header, _, encoded = image.partition(",")
        if not header.endswith(";base64") or len(encoded) > max_bytes * 4 // 3 + 4:
            raise ValueError("not a base64 data URI of an acceptable size")
        return image, base64.b64decode(encoded, validate=True)
    except (TimeoutError, httpx.HTTPError, ValueError, AttributeError, binascii.Error) as exc:
        logger.warning("AI image service gave no image: %s", type(exc).__name__)
        return None
