"""A bounded write load through the gateway, and what it saw: every answer's status, the
writes the platform acknowledged, and when writes succeeded again after a fault."""

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx


@dataclass
class LoadReport:
    statuses: Counter[int] = field(default_factory=Counter)
    # Errors that were not a JSON 502/503/504 with the shared error shape.
    bad_errors: list[str] = field(default_factory=list)
    acknowledged: set[str] = field(default_factory=set)
    successes_at: list[float] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 400)


class CommentLoad:
    """`clients` writers each adding comments to one post, back to back, until stopped."""

    def __init__(self, http: httpx.AsyncClient, post_id: str, headers: dict[str, str]) -> None:
        self.http = http
        self.post_id = post_id
        self.headers = headers
        self.report = LoadReport()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def _writer(self, writer: int) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            try:
                response = await self.http.post(
                    f"/posts/{self.post_id}/comments",
                    json={"content": f"w{writer}-{n}"},
                    headers=self.headers,
                )
            except httpx.HTTPError as exc:
                self.report.bad_errors.append(f"no answer: {type(exc).__name__}")
                continue
            self.report.statuses[response.status_code] += 1
            if response.status_code == 201:
                self.report.acknowledged.add(response.json()["id"])
                self.report.successes_at.append(time.monotonic())
                continue
            try:
                code = response.json()["error"]["code"]
            except (ValueError, KeyError, TypeError):
                code = None
            if response.status_code not in (502, 503, 504) or code is None:
                self.report.bad_errors.append(f"{response.status_code}: {response.text[:200]}")
            # A client backs off a little on an outage answer, as Retry-After asks.
            await asyncio.sleep(0.05)

    def start(self, clients: int = 4) -> None:
        self._tasks = [asyncio.create_task(self._writer(i)) for i in range(clients)]

    async def stop(self) -> LoadReport:
        self._stop.set()
        await asyncio.gather(*self._tasks)
        return self.report
