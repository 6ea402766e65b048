"""Analyses end to end at service level: API → real ARQ worker → fake Instagram → results."""

import asyncio
import csv
import io
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq.constants import job_key_prefix
from arq.worker import Worker
from sqlalchemy import func, select, update

from common.ids import new_id
from igscraper.analyses import repository, service
from igscraper.analyses.jobs import step_job_id
from igscraper.analyses.models import Analysis, AnalysisUser
from igscraper.analyses.schemas import AnalysisCreate
from igscraper.analyses.tasks import purge_expired_analyses, resume_stalled_analyses


async def group_ids(client, headers, analysis_id, group) -> list[str]:
    """Every user id of a group, walked page by page through the cursor."""
    ids, cursor = [], None
    while True:
        params = {"group": group, "limit": 100} | ({"cursor": cursor} if cursor else {})
        response = await client.get(
            f"/api/ig/analyses/{analysis_id}/users", params=params, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [u["id"] for u in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


def truth(account) -> dict[str, set[str]]:
    followers, following = set(account.followers), set(account.following)
    return {
        "mutuals": followers & following,
        "not_following_back": following - followers,
        "fans": followers - following,
    }


async def test_groups_match_the_graph_exactly_and_the_csv_has_every_row(
    client, worker, instagram, media, user, submit, finished
):
    me = instagram.add_account()
    instagram.follow_graph(me, followers=3000, following=2500, mutual=1100)

    submitted = await submit(user, me)
    assert submitted.status_code == 202, submitted.text
    assert submitted.json()["status"] == "queued"
    body = await finished(user, submitted.json()["id"])

    assert body["status"] == "completed", body
    assert body["result"]["target"] == {"id": me.pk, "username": me.username}
    assert body["result"]["stats"] == {
        "followers_count": 3000,
        "following_count": 2500,
        "mutual_count": 1100,
        "not_following_back_count": 1400,
        "fans_count": 1900,
    }
    assert body["progress"] == {
        "followers_fetched": 3000,
        "followers_total": 3000,
        "following_fetched": 2500,
        "following_total": 2500,
    }
    expected = truth(me)
    for group, ids in expected.items():
        listed = await group_ids(client, user, body["id"], group)
        assert len(listed) == len(set(listed))  # no user twice across pages
        assert set(listed) == ids, group

    export = await client.get(f"/api/ig/analyses/{body['id']}/export.csv", headers=user)
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == sum(len(ids) for ids in expected.values())
    for group, ids in expected.items():
        assert {r["id"] for r in rows if r["group"] == group} == ids
    assert rows[0]["pfp_url"] == f"http://gateway.test/media/ig-avatars/{rows[0]['id']}"
    # Requests per page: the largest page Instagram honours, not instaloader's 12.
    assert instagram.pages_by_account[me.pk] == 3000 // 200 + 2500 // 200 + 1
    assert not instagram.bad_requests


@pytest.mark.parametrize("retry_after", [None, 1])
async def test_429_from_request_20_backs_off_and_still_completes_exactly(
    client, worker, instagram, user, submit, finished, retry_after
):
    instagram.max_page_size = 50  # enough pages to run into the limit
    me = instagram.add_account()
    instagram.follow_graph(me, followers=900, following=700, mutual=300)
    instagram.faults.rate_limit_after = 20
    instagram.faults.rate_limit_seconds = 1.5
    instagram.faults.retry_after = retry_after
    try:
        submitted = await submit(user, me)
        body = await finished(user, submitted.json()["id"])
    finally:
        instagram.max_page_size = 200

    assert body["status"] == "completed", body
    assert body["result"]["stats"]["mutual_count"] == 300
    for group, ids in truth(me).items():
        assert set(await group_ids(client, user, body["id"], group)) == ids


async def test_login_required_fails_the_job_wipes_the_credential_and_409_while_active(
    client, worker, instagram, settings, user, submit, finished, redis
):
    me = instagram.add_account()
    instagram.follow_graph(me, followers=1000, following=10, mutual=5)
    instagram.faults.slow_seconds = 0.3
    instagram.faults.login_required_after = 4

    first = (await submit(user, me)).json()
    vault_key = f"{settings.queue_name}:credentials:{first['id']}"
    assert await redis.exists(vault_key)
    second = await submit(user, me)
    assert second.status_code == 409
    assert second.json()["job_id"] == first["id"]
    assert second.json()["error"]["code"] == "analysis_already_active"

    body = await finished(user, first["id"])
    assert body["status"] == "failed"
    assert body["error"]["code"] == "instagram_session_invalid"
    assert body["result"] is None or body["result"]["complete"] is False
    assert not await redis.exists(vault_key)
    # Finished, so the account is free again.
    instagram.faults.login_required_after = None
    instagram.faults.slow_seconds = 0
    third = await submit(user, me)
    assert third.status_code == 202
    assert (await finished(user, third.json()["id"]))["status"] == "completed"


@pytest.mark.parametrize(
    "fault", [{"stuck_cursor_after_pages": 2}, {"should_limit": True}], ids=["stuck", "limited"]
)
async def test_an_incomplete_list_is_never_reported_complete(
    client, worker, instagram, user, submit, finished, fault
):
    instagram.max_page_size = 50
    me = instagram.add_account()
    instagram.follow_graph(me, followers=400, following=100, mutual=50)
    for name, value in fault.items():
        setattr(instagram.faults, name, value)
    try:
        body = await finished(user, (await submit(user, me)).json()["id"])
    finally:
        instagram.max_page_size = 200
    assert body["status"] == "failed"
    assert body["error"]["code"] == "instagram_list_incomplete"
    assert body["result"]["complete"] is False
    assert body["progress"]["followers_fetched"] < 400
    changes = await client.get(f"/api/ig/accounts/{me.pk}/changes", headers=user)
    assert changes.status_code == 404  # not a baseline either


@pytest.mark.parametrize(
    ("target", "code"),
    [("private", "instagram_private_account"), ("nobody_here", "instagram_user_not_found")],
)
async def test_private_or_unknown_targets_fail_with_a_clear_code(
    client, worker, instagram, user, submit, finished, target, code
):
    me = instagram.add_account()
    private = instagram.add_account(is_private=True)
    username = private.username if target == "private" else target
    body = await finished(user, (await submit(user, me, username=username)).json()["id"])
    assert body["status"] == "failed"
    assert body["error"]["code"] == code


async def test_changes_list_exactly_who_came_and_who_left(
    client, worker, instagram, user, submit, finished
):
    me = instagram.add_account()
    instagram.follow_graph(me, followers=300, following=200, mutual=100)
    first = await finished(user, (await submit(user, me)).json()["id"])
    assert first["status"] == "completed"

    lost_followers, lost_following = me.followers[:2], me.following[-3:]
    new_followers = [u.pk for u in instagram.new_users(3)]
    new_following = [me.followers[150]]  # follow back one fan
    me.followers = new_followers + me.followers[2:]
    me.following = new_following + me.following[:-3]
    second = await finished(user, (await submit(user, me)).json()["id"])
    assert second["status"] == "completed"

    response = await client.get(f"/api/ig/accounts/{me.pk}/changes", headers=user)
    assert response.status_code == 200, response.text
    changes = response.json()
    assert (changes["analysis_id"], changes["previous_analysis_id"]) == (
        second["id"],
        first["id"],
    )

    def ids(key: str) -> set[str]:
        return {u["id"] for u in changes[key]}

    assert ids("new_followers") == set(new_followers)
    assert ids("lost_followers") == set(lost_followers)
    assert ids("new_following") == set(new_following)
    assert ids("lost_following") == set(lost_following)


async def test_profile_pictures_are_handed_to_the_media_avatar_cache(
    client, worker, instagram, media, user, submit, finished
):
    me = instagram.add_account()
    instagram.follow_graph(me, followers=30, following=20, mutual=10)
    body = await finished(user, (await submit(user, me)).json()["id"])
    everyone = set(me.followers) | set(me.following)
    async with asyncio.timeout(20):
        while not everyone <= set(media.cached):  # noqa: ASYNC110 (another thread's server)
            await asyncio.sleep(0.1)
    some = me.followers[0]
    assert (
        media.cached[some] == instagram.accounts[some].user_json(instagram.url)["profile_pic_url"]
    )
    assert media.refused == 0
    page = await client.get(
        f"/api/ig/analyses/{body['id']}/users", params={"group": "mutuals"}, headers=user
    )
    assert page.json()["items"][0]["pfp_url"].startswith("http://gateway.test/media/ig-avatars/")


async def started(worker: Worker) -> dict[str, Any]:
    """The worker's ctx once on_startup has filled it (housekeeping tasks are called directly)."""
    async with asyncio.timeout(10):
        while "deps" not in worker.ctx:  # noqa: ASYNC110 (filled by ARQ's on_startup)
            await asyncio.sleep(0.01)
    return worker.ctx


async def idle(worker: Worker, redis: Any, queue_name: str) -> None:
    """No job queued or running: the avatar chains of earlier tests' graphs, which can fill
    the worker's ten job slots for seconds, have run to their end."""

    async def busy() -> bool:
        running = any(not task.done() for task in worker.tasks.values())
        return running or bool(await redis.zcard(queue_name))

    async with asyncio.timeout(120):
        while await busy():  # noqa: ASYNC110 (ARQ's jobs and queue signal no event)
            await asyncio.sleep(0.1)


async def set_times(worker: Worker, analysis_id: str, **times: datetime) -> None:
    async with worker.ctx["deps"].sessionmaker() as session, session.begin():
        await session.execute(
            update(Analysis).where(Analysis.id == uuid.UUID(analysis_id)).values(**times)
        )


async def test_beyond_max_concurrent_jobs_an_analysis_waits_queued_then_runs_when_a_slot_frees(
    worker, redis, instagram, settings, user, submit, finished
):
    ctx = await started(worker)
    # The held steps below must outlast the test's own waits, within their job timeout
    # (10 s here): earlier tests' jobs taking the worker's slots would delay the queued
    # analysis past it.
    await idle(worker, redis, settings.queue_name)
    instagram.faults.hold_pages = threading.Event()  # the first analyses keep their slots
    try:
        holding = []
        for _ in range(settings.max_concurrent_jobs):
            account = instagram.add_account()
            instagram.follow_graph(account, followers=3, following=3, mutual=1)
            holding.append((await submit(user, account)).json()["id"])
        for analysis_id in holding:
            await finished(user, analysis_id, statuses=("running",), timeout=10)

        me = instagram.add_account()
        instagram.follow_graph(me, followers=3, following=3, mutual=1)
        submitted = (await submit(user, me)).json()
        assert submitted["status"] == "queued"
        assert submitted["position_in_queue"] >= 1
        assert submitted["estimated_wait_seconds"] >= 0
        # Refused a slot twice (each refusal checkpoints a step), and still queued.
        async with asyncio.timeout(10):
            while True:
                async with ctx["deps"].sessionmaker() as session:
                    waiting = await repository.get_analysis(session, uuid.UUID(submitted["id"]))
                if waiting is not None and waiting.step >= 2:
                    break
                await asyncio.sleep(0.05)
        assert waiting.status == "queued"
        body = await finished(user, submitted["id"], statuses=("queued", "running"))
        assert body["position_in_queue"] >= 1
        assert body["estimated_wait_seconds"] >= 0
    finally:
        instagram.faults.hold_pages.set()

    freed = [datetime.fromisoformat((await finished(user, a))["finished_at"]) for a in holding]
    body = await finished(user, submitted["id"])
    assert body["status"] == "completed", body
    assert datetime.fromisoformat(body["started_at"]) >= min(freed)


async def test_the_sweeper_enqueues_again_only_an_analysis_idle_past_stall_seconds(
    worker, instagram, settings, token_issuer, redis, finished
):
    ctx = await started(worker)
    me = instagram.add_account()
    instagram.follow_graph(me, followers=3, following=3, mutual=1)
    session_id, csrf = instagram.session_for(me)
    owner = new_id()
    # Committed with its credential, but step 0 never enqueued: a crash between the two
    # (a bare commit runs none of the unit of work's after-commit callbacks).
    async with ctx["deps"].sessionmaker() as session, session.begin():
        submitted = await service.submit_analysis(
            session=session,
            vault=ctx["deps"].vault,
            arq=ctx["redis"],
            settings=settings,
            owner_id=owner,
            data=AnalysisCreate(session_id=session_id, csrf_token=csrf),
        )
    analysis_id = str(submitted.id)
    step_key = job_key_prefix + step_job_id(analysis_id, 0)

    await resume_stalled_analyses(ctx)
    assert not await redis.exists(step_key)  # touched just now: not stalled

    idle = datetime.now(UTC) - timedelta(seconds=settings.stall_seconds + 1)
    await set_times(worker, analysis_id, updated_at=idle)
    await resume_stalled_analyses(ctx)
    body = await finished(token_issuer.headers(str(owner)), analysis_id)
    assert body["status"] == "completed", body
    assert body["result"]["stats"]["mutual_count"] == 1


async def test_the_retention_purge_deletes_only_analyses_finished_before_the_cutoff(
    client, worker, instagram, settings, user, submit, finished
):
    ctx = await started(worker)
    ids = []
    for _ in range(2):
        me = instagram.add_account()
        instagram.follow_graph(me, followers=3, following=3, mutual=1)
        ids.append((await finished(user, (await submit(user, me)).json()["id"]))["id"])
    expired, kept = ids
    cutoff = datetime.now(UTC) - timedelta(days=settings.retention_days)
    await set_times(worker, expired, finished_at=cutoff - timedelta(minutes=1))
    await set_times(worker, kept, finished_at=cutoff + timedelta(minutes=1))

    await purge_expired_analyses(ctx)

    assert (await client.get(f"/api/ig/analyses/{expired}", headers=user)).status_code == 404
    assert (await client.get(f"/api/ig/analyses/{kept}", headers=user)).status_code == 200
    async with ctx["deps"].sessionmaker() as session:
        users = await session.scalar(
            select(func.count()).where(AnalysisUser.analysis_id == uuid.UUID(expired))
        )
    assert users == 0  # the users went with their analysis
