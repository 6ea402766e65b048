"""A fake of the AI image service media delegates to (SelfStar's `POST /predict`).

It answers `{"image": "data:image/png;base64,..."}` like the real one, and can be switched
to misbehave: `mode` is "ok", "down" (HTTP 503), "slow" (answers after `slow_seconds`) or
"garbage" (a data URI whose bytes are not an image). It runs on its own thread and event
loop, so it serves whatever the test's loop is doing.
"""

import asyncio
import base64
import io
from typing import Literal

from aiohttp import web
from PIL import Image

from tests.fakes.server import ThreadedFake

Mode = Literal["ok", "down", "slow", "garbage"]


def png_bytes(size: tuple[int, int] = (64, 48), color: str = "purple") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


class FakeAiService(ThreadedFake):
    name = "ai"

    def __init__(self) -> None:
        super().__init__()
        self.mode: Mode = "ok"
        self.slow_seconds = 5.0
        self.requests: list[dict] = []

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/predict", self.predict)

    async def predict(self, request: web.Request) -> web.Response:
        self.requests.append(await request.json())
        if self.mode == "down":
            return web.json_response({"detail": "model unavailable"}, status=503)
        if self.mode == "slow":
            await asyncio.sleep(self.slow_seconds)
        data = b"<html>not an image</html>" if self.mode == "garbage" else png_bytes()
        return web.json_response(
            {"image": "data:image/png;base64," + base64.b64encode(data).decode()}
        )
