"""Postgres killed under load and held down (60 s by default), then started again: every
error meanwhile is a JSON 502/503/504, the services' logs grow by at most a line per failed
request with no traceback, writes succeed again within 5 s of Postgres' return with no
human action, and every acknowledged write is there with exact counters."""

import asyncio
import io
import os
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from PIL import Image

from stack.platform import GATEWAY, SERVICES, WORKER, Stack
from tests.e2e.accounts import bearer, register
from tests.faults.load import CommentLoad
from tests.support.polling import eventually

OUTAGE_SECONDS = float(os.environ.get("FAULT_POSTGRES_OUTAGE_SECONDS", "60"))
# Background loops may say once that Postgres went and once that it came back.
LOOP_LINES = 6


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(buffer, "PNG")
    return buffer.getvalue()


def _lines(path: Path) -> list[str]:
    return path.read_text(errors="replace").splitlines() if path.exists() else []


async def _all_comment_ids(http: httpx.AsyncClient, post_id: str) -> set[str]:
    ids: set[str] = set()
    cursor = None
    while True:
        params = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        page = (await http.get(f"/posts/{post_id}/comments", params=params)).json()
        ids |= {c["id"] for c in page["items"]}
        cursor = page.get("next_cursor")
        if not cursor:
            return ids


@pytest.mark.timeout(900)
async def test_a_postgres_outage_under_load(fault_stack: Stack):
    logs = fault_stack.dir / "logs"
    async with httpx.AsyncClient(base_url=fault_stack.gateway_url, timeout=60) as http:
        author = await register(http, prefix="fault")
        headers = bearer(author["access_token"])
        created = await http.post(
            "/posts",
            data={"caption": "under load"},
            files={"image": ("p.png", _png(), "image/png")},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        post_id = created.json()["id"]

        load = CommentLoad(http, post_id, headers)
        load.start()

        async def some_written() -> bool:
            return len(load.report.acknowledged) >= 20

        await eventually(some_written, timeout=60)

        names = [*SERVICES, WORKER, GATEWAY]
        before = {name: len(_lines(logs / f"{name}.log")) for name in names}
        statuses_before = Counter(load.report.statuses)
        postgres = fault_stack.servers["postgres"]
        assert postgres.process is not None and postgres.ready is not None
        postgres.process.kill()
        # The outage itself: held for its length while the load runs into it.
        await asyncio.sleep(OUTAGE_SECONDS)
        postgres.process.start()

        async def postgres_back() -> bool:
            return await asyncio.to_thread(postgres.ready)

        await eventually(postgres_back, timeout=60, interval=0.1)
        back_at = time.monotonic()
        during = Counter(load.report.statuses) - statuses_before

        async def written_again() -> bool:
            return any(at > back_at for at in load.report.successes_at)

        await eventually(written_again, timeout=30, interval=0.05)
        recovered_in = min(at for at in load.report.successes_at if at > back_at) - back_at
        report = await load.stop()
        after = {name: _lines(logs / f"{name}.log") for name in names}

        stored = await _all_comment_ids(http, post_id)
        post = (await http.get(f"/posts/{post_id}")).json()

    failed = sum(n for status, n in during.items() if status >= 400)
    lost = report.acknowledged - stored
    growth = {name: len(after[name]) - before[name] for name in names}
    print(
        f"\nfault postgres ({OUTAGE_SECONDS:.0f} s): errors by status"
        f" {dict(sorted(during.items()))}, recovered in {recovered_in:.2f} s,"
        " acknowledged writes checked"
        f" {len(report.acknowledged)}, lost {len(lost)}; log lines added {growth}"
        f" for {failed} failed requests"
    )
    assert not report.bad_errors, report.bad_errors[:5]
    assert failed > 0 and set(during) <= {201, 502, 503, 504}
    assert recovered_in < 5
    assert not lost
    assert post["comment_count"] == len(stored)
    # Every request of the window, failed or not, writes its one access line; an outage
    # must add nothing more per failed request than that line.
    requests = sum((Counter(report.statuses) - statuses_before).values())
    for name in names:
        new_lines = after[name][before[name] :]
        assert len(new_lines) <= requests + LOOP_LINES, (name, len(new_lines), requests, failed)
        assert not [line for line in new_lines if '"exc"' in line or "Traceback" in line], name
