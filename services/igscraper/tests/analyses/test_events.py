"""GET /api/ig/analyses/{id}/events: the analysis as it changes, then done; owner only.

The in-process client hands over a stream's body once it has ended; timing through the
gateway (each event at once, keep-alives) is tested in tests/e2e/test_igscraper.py."""

import asyncio
import threading

from redis.asyncio import Redis

from common.ids import new_id
from common.loops import BackgroundLoop
from igscraper.analyses.events import AnalysisChanges, changes_channel
from tests.support.sse import parse_events


async def test_progress_on_every_change_then_done(client, worker, instagram, user, submit):
    me = instagram.add_account()
    # 200 a page, 5 pages a step: the followers alone take two steps.
    instagram.follow_graph(me, followers=1500, following=300, mutual=100)
    analysis_id = (await submit(user, me)).json()["id"]

    response = await client.get(f"/api/ig/analyses/{analysis_id}/events", headers=user)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    stream = [e for e in parse_events(response.text) if e.comment is None]
    assert [e.event for e in stream[-2:]] == ["progress", "done"]
    assert {e.event for e in stream[:-1]} == {"progress"}
    progress = [e.json() for e in stream[:-1]]
    fetched = [
        p["progress"]["followers_fetched"] + p["progress"]["following_fetched"] for p in progress
    ]
    assert len(progress) >= 3
    assert fetched == sorted(fetched)
    assert progress[0] != progress[1]  # a progress event only when something changed
    final = (await client.get(f"/api/ig/analyses/{analysis_id}", headers=user)).json()
    assert stream[-1].json() == progress[-1] == final
    assert final["status"] == "completed"


async def test_a_finished_analysis_sends_its_state_and_done_at_once(
    client, worker, instagram, user, submit, finished
):
    me = instagram.add_account()
    instagram.follow_graph(me, followers=3, following=3, mutual=1)
    analysis_id = (await submit(user, me)).json()["id"]
    final = await finished(user, analysis_id)

    response = await client.get(f"/api/ig/analyses/{analysis_id}/events", headers=user)

    stream = parse_events(response.text)
    assert [(e.event, e.json()) for e in stream] == [("progress", final), ("done", final)]


async def test_a_cancel_ends_the_stream(client, worker, instagram, user, submit, finished):
    me = instagram.add_account()
    instagram.follow_graph(me, followers=500, following=10, mutual=5)
    instagram.faults.hold_pages = threading.Event()  # stays running until cancelled
    try:
        analysis_id = (await submit(user, me)).json()["id"]
        await finished(user, analysis_id, statuses=("running",))
        stream = asyncio.create_task(
            client.get(f"/api/ig/analyses/{analysis_id}/events", headers=user)
        )
        await client.delete(f"/api/ig/analyses/{analysis_id}", headers=user)
        async with asyncio.timeout(10):
            response = await stream
    finally:
        instagram.faults.hold_pages.set()
    events = [e for e in parse_events(response.text) if e.comment is None]
    assert events[-1].event == "done"
    assert events[-1].json()["status"] == "cancelled"


async def test_only_the_owner_may_follow_an_analysis(
    client, worker, instagram, user, other_user, submit
):
    me = instagram.add_account()
    instagram.follow_graph(me, followers=3, following=3, mutual=1)
    analysis_id = (await submit(user, me)).json()["id"]
    for headers, path in (
        (other_user, analysis_id),
        (user, "0190a000-0000-7000-8000-000000000000"),
        (user, "not-an-id"),
    ):
        response = await client.get(f"/api/ig/analyses/{path}/events", headers=headers)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "analysis_not_found"
    assert (await client.get(f"/api/ig/analyses/{analysis_id}/events")).status_code == 401


async def test_a_quiet_subscription_outlives_the_redis_read_timeout(settings):
    """Nothing announced for longer than the client's read timeout: no outage, and the
    next announcement still wakes its watcher at once."""
    redis = Redis.from_url(settings.redis_url, decode_responses=True, socket_timeout=0.5)
    changes = AnalysisChanges(redis, f"{changes_channel(settings)}-quiet")
    watched, other = new_id(), new_id()
    try:
        async with BackgroundLoop("test changes", changes.listen, interval_seconds=0) as loop:
            with changes.watch(watched) as changed, changes.watch(other) as unrelated:
                await asyncio.sleep(1.5)  # three read timeouts' worth of silence
                changed.clear()
                unrelated.clear()
                await redis.publish(changes.channel, str(watched))
                async with asyncio.timeout(2):
                    await changed.wait()
                assert not unrelated.is_set()
                assert loop.outage.since is None
    finally:
        await redis.aclose()
