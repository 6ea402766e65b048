"""Requests to follow a private account: asked once, withdrawn by an unfollow or a block,
approved by the owner or all at once by going public."""


async def requesters(client, owner) -> list[str]:
    page = await client.get("/users/me/follow-requests", headers=owner.headers)
    assert page.status_code == 200
    return [item["id"] for item in page.json()["items"]]


async def test_a_block_or_an_unfollow_withdraws_a_request_and_going_public_approves_the_rest(
    client, user
):
    owner, fan, blocked, shy = await user(), await user(), await user(), await user()
    await client.patch("/users/me", json={"is_private": True}, headers=owner.headers)
    for asker in (fan, blocked, shy):
        asked = await client.post(f"/users/{owner.id}/follow", headers=asker.headers)
        assert asked.status_code == 202 and asked.json() == {"status": "requested"}
    assert set(await requesters(client, owner)) == {str(fan.id), str(blocked.id), str(shy.id)}

    await client.post(f"/users/{blocked.id}/block", headers=owner.headers)
    await client.delete(f"/users/{owner.id}/follow", headers=shy.headers)
    assert await requesters(client, owner) == [str(fan.id)]

    public = await client.patch("/users/me", json={"is_private": False}, headers=owner.headers)
    assert public.json()["followers_count"] == 1
    assert await requesters(client, owner) == []
    seen = (await client.get(f"/users/{owner.id}", headers=blocked.headers)).json()
    assert seen["follow_status"] == "none"
    fan_view = (await client.get(f"/users/{owner.id}", headers=fan.headers)).json()
    assert fan_view["follow_status"] == "following"


async def test_only_a_pending_request_can_be_answered(client, user):
    owner, stranger = await user(), await user()
    for answer in ("approve", "decline"):
        path = f"/users/me/follow-requests/{stranger.id}/{answer}"
        refused = await client.post(path, headers=owner.headers)
        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "follow_request_not_found"
