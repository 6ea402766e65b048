"""Faults under a bounded write load, on a platform of its own: Postgres killed and held
down (60 s by default), then Redis and S3 killed, a service killed, a service frozen and
the worker killed mid-analysis (10 s each by default), each then started again by the test
as a supervisor would. Every error meanwhile is a JSON 502/503/504, nothing logs a
traceback, writes succeed again within 5 s of the dependency's return with no human action,
every acknowledged write is there with exact counters, and the interrupted analysis ends
with exact results. Each prints errors by status, seconds to recover and writes checked."""

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from stack.platform import GATEWAY, SERVICES, WORKER, Stack
from stack.processes import ManagedProcess, port_open
from tests.e2e import test_igscraper as igscraper_flows
from tests.e2e.accounts import bearer, register
from tests.fakes.instagram import FakeInstagram
from tests.faults.load import COMMENT, POST, LoadReport, WriteLoad, png
from tests.support.polling import eventually

POSTGRES_OUTAGE_SECONDS = float(os.environ.get("FAULT_POSTGRES_OUTAGE_SECONDS", "60"))
OUTAGE_SECONDS = float(os.environ.get("FAULT_OUTAGE_SECONDS", "10"))
RECOVERY_SECONDS = 5
# Background loops may say once that a dependency went and once that it came back.
LOOP_LINES = 6
LOGS = [*SERVICES, WORKER, GATEWAY]


def _lines(path: Path) -> list[str]:
    return path.read_text(errors="replace").splitlines() if path.exists() else []


def _log_sizes(stack: Stack) -> dict[str, int]:
    return {name: len(_lines(stack.dir / "logs" / f"{name}.log")) for name in LOGS}


def _new_log_lines(stack: Stack, since: dict[str, int]) -> dict[str, list[str]]:
    return {name: _lines(stack.dir / "logs" / f"{name}.log")[since[name] :] for name in LOGS}


def _tracebacks(lines: dict[str, list[str]]) -> dict[str, str]:
    return {
        name: found[0][:300]
        for name, new in lines.items()
        if (found := [line for line in new if '"exc"' in line or "Traceback" in line])
    }


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


async def _missing_posts(http: httpx.AsyncClient, ids: set[str]) -> list[str]:
    """Acknowledged posts that are gone, or whose image no longer serves."""
    missing = []
    for post_id in ids:
        post = await http.get(f"/posts/{post_id}")
        if post.status_code != 200 or (await http.get(post.json()["image_url"])).status_code != 200:
            missing.append(post_id)
    return missing


async def _start_load(http: httpx.AsyncClient, photo_writers: int) -> tuple[WriteLoad, str]:
    author = await register(http, prefix="fault")
    headers = bearer(author["access_token"])
    created = await http.post(
        "/posts",
        data={"caption": "under load"},
        files={"image": ("p.png", png(), "image/png")},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]
    load = WriteLoad(http, post_id, headers)
    load.start(photo_writers=photo_writers)

    async def some_written() -> bool:
        return len(load.report.acknowledged[COMMENT]) >= 20

    await eventually(some_written, timeout=60)
    return load, post_id


async def _recovered_in(load: WriteLoad, back_at: float, kinds: list[str]) -> float:
    """Seconds from the dependency's return until every kind of write succeeded again."""

    async def all_written_again() -> dict[str, float] | None:
        after = load.report.first_success_after(back_at)
        return after if set(kinds) <= set(after) else None

    after = await eventually(all_written_again, timeout=30, interval=0.05)
    return max(after.values())


async def _check_writes(
    http: httpx.AsyncClient, report: LoadReport, post_id: str
) -> tuple[int, int]:
    """Every acknowledged write is there, the counters exact: (checked, lost)."""
    stored = await _all_comment_ids(http, post_id)
    post = (await http.get(f"/posts/{post_id}")).json()
    assert post["comment_count"] == len(stored)
    lost = len(report.acknowledged[COMMENT] - stored)
    lost += len(await _missing_posts(http, report.acknowledged[POST]))
    return sum(len(ids) for ids in report.acknowledged.values()), lost


@pytest.mark.timeout(900)
async def test_a_postgres_outage_under_load(
    fault_stack: Stack, report_figure: Callable[[str], None]
):
    async with httpx.AsyncClient(base_url=fault_stack.gateway_url, timeout=60) as http:
        # Comments only: the log bound below counts one access line per request.
        load, post_id = await _start_load(http, photo_writers=0)
        before = _log_sizes(fault_stack)
        statuses_before = Counter(load.report.statuses)
        postgres = fault_stack.servers["postgres"]
        assert postgres.process is not None and postgres.ready is not None
        postgres.process.kill()
        # The outage itself: held for its length while the load runs into it.
        await asyncio.sleep(POSTGRES_OUTAGE_SECONDS)
        postgres.process.start()

        async def postgres_back() -> bool:
            return await asyncio.to_thread(postgres.ready)

        await eventually(postgres_back, timeout=60, interval=0.1)
        back_at = time.monotonic()
        during = Counter(load.report.statuses) - statuses_before
        recovered_in = await _recovered_in(load, back_at, [COMMENT])
        report = await load.stop()
        added = _new_log_lines(fault_stack, before)
        checked, lost = await _check_writes(http, report, post_id)

    failed = sum(n for status, n in during.items() if status >= 400)
    growth = {name: len(lines) for name, lines in added.items()}
    report_figure(
        f"fault postgres ({POSTGRES_OUTAGE_SECONDS:.0f} s): errors by status"
        f" {dict(sorted(during.items()))}, recovered in {recovered_in:.2f} s,"
        f" acknowledged writes checked {checked}, lost {lost};"
        f" log lines added {growth} for {failed} failed requests"
    )
    assert not report.bad_errors, report.bad_errors[:5]
    assert failed > 0 and set(during) <= {201, 502, 503, 504}
    assert recovered_in < RECOVERY_SECONDS
    assert lost == 0
    # Every request of the window, failed or not, writes its one access line; an outage
    # must add nothing more per failed request than that line.
    requests = sum((Counter(report.statuses) - statuses_before).values())
    for name, lines in added.items():
        assert len(lines) <= requests + LOOP_LINES, (name, len(lines), requests, failed)
    assert not _tracebacks(added)


@dataclass
class Fault:
    down: Callable[[Stack], None]
    up: Callable[[Stack], None]
    back: Callable[[Stack], bool]
    # The kinds of write that need what is down: each must meet 503s meanwhile (the fault
    # was felt, and answered as an outage); the others must not notice.
    refused: tuple[str, ...] = ()
    # The kinds of write that wait for what is frozen: answered once it thaws, or a JSON
    # 502/504 for one it had in hand (a keep-alive it closed as it woke).
    waiting: tuple[str, ...] = ()


def _server(name: str, refused: tuple[str, ...] = ()) -> Fault:
    def process(stack: Stack) -> ManagedProcess:
        found = stack.servers[name].process
        assert found is not None, f"{name} was not started by the stack"
        return found

    return Fault(
        down=lambda stack: process(stack).kill(),
        up=lambda stack: process(stack).start(),
        back=lambda stack: bool(stack.servers[name].ready and stack.servers[name].ready()),
        refused=refused,
    )


FAULTS = {
    "redis killed": _server("redis"),
    "s3 killed": _server("s3", refused=(POST,)),
    "social killed": Fault(
        down=lambda stack: stack.processes["social"].kill(),
        up=lambda stack: stack.processes["social"].start(),
        back=lambda stack: port_open(stack.ports["social"]),
        refused=(COMMENT, POST),
    ),
    "social frozen": Fault(
        down=lambda stack: stack.processes["social"].signal_group(signal.SIGSTOP),
        up=lambda stack: stack.processes["social"].signal_group(signal.SIGCONT),
        back=lambda stack: True,
        waiting=(COMMENT, POST),
    ),
    "worker killed": Fault(
        down=lambda stack: stack.processes[WORKER].kill(),
        up=lambda stack: stack.processes[WORKER].start(),
        back=lambda stack: stack.processes[WORKER].alive(),
    ),
}


async def _healthy(http: httpx.AsyncClient) -> bool:
    try:
        return (await http.get("/health")).status_code == 200
    except httpx.HTTPError:
        return False


async def _start_analysis(
    http: httpx.AsyncClient, instagram: FakeInstagram
) -> tuple[dict[str, str], str]:
    me = instagram.add_account()
    instagram.follow_graph(me, followers=1500, following=1000, mutual=400)
    user = await igscraper_flows.signed_in(http)
    started, _ = await igscraper_flows.submit(http, user, instagram, me)
    assert started.status_code == 202, started.text
    analysis_id = started.json()["id"]
    await igscraper_flows.poll(
        http, user, analysis_id, lambda body: body["progress"]["followers_fetched"] > 0
    )
    return user, analysis_id


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", list(FAULTS))
async def test_a_fault_under_load(
    fault_stack: Stack,
    fault_instagram: FakeInstagram,
    report_figure: Callable[[str], None],
    name: str,
):
    fault = FAULTS[name]
    async with httpx.AsyncClient(base_url=fault_stack.gateway_url, timeout=60) as http:
        await eventually(lambda: _healthy(http), timeout=60, interval=0.2)
        analysis = None
        if name == "worker killed":
            # Slow pages, so the kill lands in the middle of the scan.
            fault_instagram.faults.slow_seconds = 0.1
            analysis = await _start_analysis(http, fault_instagram)
        load, post_id = await _start_load(http, photo_writers=1)
        before = _log_sizes(fault_stack)
        statuses_before = {k: Counter(c) for k, c in load.report.statuses_by_kind.items()}

        fault.down(fault_stack)
        await asyncio.sleep(OUTAGE_SECONDS)  # the outage, held while the load runs into it
        fault.up(fault_stack)
        await eventually(lambda: asyncio.to_thread(fault.back, fault_stack), timeout=60)
        back_at = time.monotonic()
        during = {
            kind: dict(sorted((counts - statuses_before[kind]).items()))
            for kind, counts in load.report.statuses_by_kind.items()
        }
        recovered_in = await _recovered_in(load, back_at, [COMMENT, POST])
        report = await load.stop()
        added = _new_log_lines(fault_stack, before)
        checked, lost = await _check_writes(http, report, post_id)

        if analysis is not None:
            user, analysis_id = analysis
            body = await igscraper_flows.poll(
                http, user, analysis_id, lambda b: b["status"] not in igscraper_flows.ACTIVE, 120
            )
            fault_instagram.faults.slow_seconds = 0
            assert body["status"] == "completed", body
            assert body["result"]["stats"] == {
                "followers_count": 1500,
                "following_count": 1000,
                "mutual_count": 400,
                "not_following_back_count": 600,
                "fans_count": 1100,
            }

    report_figure(
        f"fault {name} ({OUTAGE_SECONDS:.0f} s): answers by status {during},"
        f" recovered in {recovered_in:.2f} s, acknowledged writes checked {checked},"
        f" lost {lost}"
    )
    assert not report.bad_errors, report.bad_errors[:5]
    for kind, statuses in during.items():
        if kind in fault.refused:
            # 503 once it is down; 502 for a request it was serving when it died.
            assert statuses.get(503) and set(statuses) <= {201, 502, 503}, (kind, statuses)
        elif kind in fault.waiting:
            assert set(statuses) <= {201, 502, 504}, (kind, statuses)
        else:
            assert set(statuses) <= {201}, (kind, statuses)
    assert recovered_in < RECOVERY_SECONDS
    assert lost == 0
    assert not _tracebacks(added)
