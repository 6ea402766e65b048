"""A fake of the AI image service media delegates to (SelfStar's `POST /predict`).

It answers `{"image": "data:image/png;base64,..."}` like the real one, and can be switched
to misbehave: `mode` is "ok", "down" (HTTP 503), "slow" (answers after `slow_seconds`) or
"garbage" (a data URI whose bytes are not an image). It runs on its own thread and event
loop, so it serves whatever the test's loop is doing.
"""

import asyncio
import base64
import io
import threading
from typing import Literal

from aiohttp import web
from PIL import Image

from stack.processes import free_port

Mode = Literal["ok", "down", "slow", "garbage"]


def png_bytes(size: tuple[int, int] = (64, 48), color: str = "purple") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


class FakeAiService:
    def __init__(self) -> None:
        self.mode: Mode = "ok"
        self.slow_seconds = 5.0
        self.requests: list[dict] = []
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-ai", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

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

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/predict", self.predict)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
        self._started.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())

    def start(self) -> "FakeAiService":
        self._thread.start()
        self._started.wait(timeout=10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
