"""Analyses end to end at service level: API → real ARQ worker → fake Instagram → results."""

import csv
import io

import pytest


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
    assert instagram.pages_served <= 3000 // 200 + 2500 // 200 + 2
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
