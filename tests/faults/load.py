"""A bounded write load through the gateway, and what it saw: every answer's status, the
writes the platform acknowledged, and when each kind of write succeeded again after a fault.

Two kinds of write run side by side: comments on one post (social and Postgres) and new
posts with an image (media, S3 and social).
"""

import asyncio
import io
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
from PIL import Image

COMMENT, POST = "comment", "post"


def png() -> bytes:
    """A small PNG of random pixels: media stores the same bytes only once, so every
    photo of the load must be new to reach S3."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (16, 12), os.urandom(16 * 12 * 3)).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class LoadReport:
    statuses: Counter[int] = field(default_factory=Counter)
    statuses_by_kind: dict[str, Counter[int]] = field(
        default_factory=lambda: {COMMENT: Counter(), POST: Counter()}
    )
    # Errors that were not a JSON 502/503/504 with the shared error shape.
    bad_errors: list[str] = field(default_factory=list)
    acknowledged: dict[str, set[str]] = field(default_factory=lambda: {COMMENT: set(), POST: set()})
    successes_at: dict[str, list[float]] = field(default_factory=lambda: {COMMENT: [], POST: []})

    def first_success_after(self, moment: float) -> dict[str, float]:
        """For each kind of write that succeeded after `moment`, how long after."""
        return {
            kind: min(at for at in times if at > moment) - moment
            for kind, times in self.successes_at.items()
            if any(at > moment for at in times)
        }


class WriteLoad:
    """Writers adding comments back to back and writers posting photos, until stopped; a
    client backs off a little on an outage answer, as Retry-After asks."""

    def __init__(self, http: httpx.AsyncClient, post_id: str, headers: dict[str, str]) -> None:
        self.http = http
        self.post_id = post_id
        self.headers = headers
        self.report = LoadReport()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def _comment(self, n: int) -> httpx.Response:
        return await self.http.post(
            f"/posts/{self.post_id}/comments", json={"content": f"c{n}"}, headers=self.headers
        )

    async def _post(self, n: int) -> httpx.Response:
        return await self.http.post(
            "/posts",
            data={"caption": f"p{n}"},
            files={"image": ("p.png", png(), "image/png")},
            headers=self.headers,
        )

    async def _writer(self, kind: str, send: Callable[[int], Awaitable[httpx.Response]]) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            try:
                response = await send(n)
            except httpx.HTTPError as exc:
                self.report.bad_errors.append(f"{kind}: no answer: {type(exc).__name__}")
                continue
            self.report.statuses[response.status_code] += 1
            self.report.statuses_by_kind[kind][response.status_code] += 1
            if response.status_code == 201:
                self.report.acknowledged[kind].add(response.json()["id"])
                self.report.successes_at[kind].append(time.monotonic())
                if kind == POST:
                    await asyncio.sleep(0.2)  # photos at a few a second: uploads cost CPU
                continue
            try:
                code = response.json()["error"]["code"]
            except (ValueError, KeyError, TypeError):
                code = None
            if response.status_code not in (502, 503, 504) or code is None:
                self.report.bad_errors.append(
                    f"{kind}: {response.status_code}: {response.text[:200]}"
                )
            await asyncio.sleep(0.05)

    def start(self, comment_writers: int = 3, photo_writers: int = 1) -> None:
        self._tasks = [
            asyncio.create_task(self._writer(kind, send))
            for kind, send, writers in (
                (COMMENT, self._comment, comment_writers),
                (POST, self._post, photo_writers),
            )
            for _ in range(writers)
        ]

    async def stop(self) -> LoadReport:
        self._stop.set()
        await asyncio.gather(*self._tasks)
        return self.report
