"""A user.deleted event cancels the user's running analysis, wipes its credentials, takes
its jobs off the queue and deletes every result; reported done; a new one is refused."""

import asyncio

from common.ids import new_id


async def reported_done(redis, settings, user_id) -> None:
    async with asyncio.timeout(10):
        while True:
            reports = await redis.xrange(settings.deletions_stream)
            if any(f[b"user_id"].decode() == user_id for _, f in reports):
                return
            await asyncio.sleep(0.05)


async def test_a_deleted_account_leaves_no_analysis_credential_or_job(
    client, worker, instagram, settings, token_issuer, submit, finished, redis
):
    user_id = str(new_id())
    headers = token_issuer.headers(user_id)
    done_account, running_account = instagram.add_account(), instagram.add_account()
    instagram.follow_graph(done_account, followers=5, following=5, mutual=2)
    instagram.follow_graph(running_account, followers=2000, following=10, mutual=5)
    done_id = (await submit(headers, done_account)).json()["id"]
    await finished(headers, done_id)
    instagram.faults.slow_seconds = 0.3
    running_id = (await submit(headers, running_account)).json()["id"]
    await finished(headers, running_id, statuses=("running",))

    await redis.xadd(settings.users_stream, {"type": "user.deleted", "user_id": user_id})
    await reported_done(redis, settings, user_id)

    assert (await client.get("/api/ig/analyses", headers=headers)).json()["items"] == []
    for analysis_id in (done_id, running_id):
        assert [key async for key in redis.scan_iter(match=f"*{analysis_id}*")] == []
    refused = await submit(headers, done_account)
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "account_deleted")
