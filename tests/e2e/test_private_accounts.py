"""Private accounts through the gateway: follow requests, approval and decline, what the
unapproved see (nothing of the posts), and going public."""

from tests.e2e.accounts import png, signed_up


async def ids(gateway, path: str, headers=None) -> list[str]:
    response = await gateway.get(path, params={"limit": 100}, headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def kinds(gateway, headers) -> list[str]:
    return [
        n["kind"] for n in (await gateway.get("/notifications", headers=headers)).json()["items"]
    ]


async def test_a_private_account_approves_and_declines_and_the_rest_see_nothing(gateway):
    owner, owner_h = await signed_up(gateway)
    fan, fan_h = await signed_up(gateway)
    pest, pest_h = await signed_up(gateway)
    made = await gateway.patch("/users/me", json={"is_private": True}, headers=owner_h)
    assert made.status_code == 200 and made.json()["is_private"] is True
    files = {"image": ("p.png", png("black"), "image/png")}
    post = (
        await gateway.post("/posts", data={"caption": "hush"}, files=files, headers=owner_h)
    ).json()
    profile = f"/users/{owner['id']}"

    for headers in (None, fan_h):
        seen = (await gateway.get(profile, headers=headers)).json()
        assert (seen["is_private"], seen["follow_status"]) == (True, "none")
        for tail in ("/posts", "/followers", "/following"):
            refused = await gateway.get(profile + tail, headers=headers)
            assert refused.status_code == 403
            assert refused.json()["error"]["code"] == "private_account"
        assert (await gateway.get(f"/posts/{post['id']}", headers=headers)).status_code == 404
        assert (
            await gateway.get(f"/posts/{post['id']}/comments", headers=headers)
        ).status_code == 404
        assert post["id"] not in await ids(gateway, "/feed/global", headers)
    assert (await gateway.post(f"/posts/{post['id']}/like", headers=fan_h)).status_code == 404

    for asker_h in (fan_h, pest_h):
        asked = await gateway.post(f"{profile}/follow", headers=asker_h)
        assert asked.status_code == 202 and asked.json() == {"status": "requested"}
        again = await gateway.post(f"{profile}/follow", headers=asker_h)  # idempotent
        assert again.status_code == 202
    assert (await gateway.get(profile, headers=fan_h)).json()["follow_status"] == "requested"
    assert "follow_request" in await kinds(gateway, owner_h)
    requests = await ids(gateway, "/users/me/follow-requests", owner_h)
    assert set(requests) == {fan["id"], pest["id"]}
    # Only the owner answers, and only what was asked.
    assert (await gateway.get("/users/me/follow-requests", headers=fan_h)).json()["items"] == []

    approved = await gateway.post(f"/users/me/follow-requests/{fan['id']}/approve", headers=owner_h)
    assert approved.status_code == 204
    declined = await gateway.post(
        f"/users/me/follow-requests/{pest['id']}/decline", headers=owner_h
    )
    assert declined.status_code == 204
    gone = await gateway.post(f"/users/me/follow-requests/{pest['id']}/approve", headers=owner_h)
    assert gone.status_code == 404
    assert await ids(gateway, "/users/me/follow-requests", owner_h) == []
    assert "follow_approved" in await kinds(gateway, fan_h)

    fan_view = (await gateway.get(profile, headers=fan_h)).json()
    assert (fan_view["follow_status"], fan_view["is_following"]) == ("following", True)
    assert (await gateway.get(profile, headers=pest_h)).json()["follow_status"] == "none"
    assert await ids(gateway, profile + "/posts", fan_h) == [post["id"]]
    assert post["id"] in await ids(gateway, "/feed", fan_h)
    assert post["id"] in await ids(gateway, "/feed/global", fan_h)
    assert fan["id"] in await ids(gateway, profile + "/followers", fan_h)
    seen = (await gateway.get(f"/posts/{post['id']}", headers=fan_h)).json()
    image = seen["images"][0]["url"].removeprefix(str(gateway.base_url).rstrip("/"))
    assert (await gateway.get(image)).status_code == 200
    assert (await gateway.get(profile + "/posts", headers=pest_h)).status_code == 403
    assert post["id"] not in await ids(gateway, "/feed", pest_h)

    # An unfollow ends the access; asking again is a new request.
    await gateway.delete(f"{profile}/follow", headers=fan_h)
    assert (await gateway.get(f"/posts/{post['id']}", headers=fan_h)).status_code == 404


async def test_going_public_approves_whoever_is_waiting(gateway):
    owner, owner_h = await signed_up(gateway)
    fan, fan_h = await signed_up(gateway)
    await gateway.patch("/users/me", json={"is_private": True}, headers=owner_h)
    assert (await gateway.post(f"/users/{owner['id']}/follow", headers=fan_h)).status_code == 202
    public = await gateway.patch("/users/me", json={"is_private": False}, headers=owner_h)
    assert public.status_code == 200
    assert (public.json()["is_private"], public.json()["followers_count"]) == (False, 1)
    assert await ids(gateway, "/users/me/follow-requests", owner_h) == []
    assert (await gateway.get(f"/users/{owner['id']}", headers=fan_h)).json()["follow_status"] == (
        "following"
    )
    assert (await gateway.get(f"/users/{fan['id']}")).json()["following_count"] == 1
    # Public again: a follow is a follow at once.
    _, other_h = await signed_up(gateway)
    followed = await gateway.post(f"/users/{owner['id']}/follow", headers=other_h)
    assert followed.status_code == 200 and followed.json()["follow_status"] == "following"
