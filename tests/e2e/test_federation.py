"""Federation between two stacks of this platform on loopback, through their gateways, as
two servers of the fediverse: WebFinger, signed Follow/Accept, a photo album with alt texts
delivered into a follower's feed, a like and a reply back, an edit and a delete, a private
account approving a remote follower, and an account deletion the other side drops.

Both stacks allow private peers (`FEDERATION_ALLOW_PRIVATE_PEERS`): on loopback they are
each other's only peers, over http.
"""

import asyncio
import json
import os
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from stack.platform import Stack
from stack.servers import Server
from tests.e2e.accounts import PASSWORD, png, signed_up
from tests.e2e.conftest import (
    FAST_FEDERATION,
    PREFIX,
    RELAXED_RATE_LIMITS,
    drop_databases,
    stack_on,
)
from tests.support.polling import eventually

# A delivery crosses two services and a queue on each side.
FEDERATED = 20.0


@pytest.fixture(scope="module")
async def two_stacks(
    platform: Stack,
    servers: dict[str, Server],
    fresh_database: Callable[[str], Awaitable[str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Stack, Stack]]:
    """The shared stack and a second one: each stack holds a dozen or more of Postgres's
    connections, so no third is started beside them."""
    prefix = f"{PREFIX}fb_"
    peer = stack_on(
        servers,
        tmp_path_factory.mktemp(prefix),
        prefix=prefix,
        env=RELAXED_RATE_LIMITS | FAST_FEDERATION,
        gateway_port=0,
    )
    peer.start()
    try:
        yield platform, peer
    finally:
        peer.stop()
        await drop_databases(fresh_database, prefix)


@pytest.fixture
async def sides(two_stacks: tuple[Stack, Stack]) -> AsyncIterator[tuple[httpx.AsyncClient, ...]]:
    alpha, beta = two_stacks
    async with (
        httpx.AsyncClient(base_url=alpha.gateway_url, timeout=15) as a,
        httpx.AsyncClient(base_url=beta.gateway_url, timeout=15) as b,
    ):
        yield a, b


def acct(user: dict, side: httpx.AsyncClient) -> str:
    return f"{user['username']}@{urlsplit(str(side.base_url)).netloc}"


async def find_remote(side: httpx.AsyncClient, handle: str, headers: dict) -> dict:
    """The remote account `handle` as this side's search finds it (WebFinger behind it). A
    lookup the other server answers too slowly leaves local results only: search again."""

    async def found() -> dict | None:
        response = await side.get("/users/search", params={"q": f"@{handle}"}, headers=headers)
        assert response.status_code == 200, response.text
        return next((p for p in response.json()["items"] if p["username"] == handle), None)

    return await eventually(found, timeout=FEDERATED, interval=0.5)


async def album(side: httpx.AsyncClient, headers: dict, caption: str, alts: list[str]) -> dict:
    files = [("image", (f"{i}.png", png(c), "image/png")) for i, c in enumerate(["red", "blue"])]
    created = await side.post(
        "/posts", data={"caption": caption, "alt": alts}, files=files, headers=headers
    )
    assert created.status_code == 201, created.text
    return created.json()


async def feed(side: httpx.AsyncClient, headers: dict) -> list[dict]:
    response = await side.get("/feed", params={"limit": 50}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def notifications(side: httpx.AsyncClient, headers: dict) -> list[dict]:
    response = await side.get("/notifications", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def follow_status(side: httpx.AsyncClient, profile_id: str, headers: dict) -> str:
    return (await side.get(f"/users/{profile_id}", headers=headers)).json()["follow_status"]


async def test_two_servers_follow_post_like_reply_edit_block_delete_and_part(sides):
    a_side, b_side = sides
    a, a_h = await signed_up(a_side)
    b, b_h = await signed_up(b_side)

    # a finds b@beta by WebFinger and follows; beta's b is public, so beta accepts at once.
    remote_b = await find_remote(a_side, acct(b, b_side), a_h)
    asked = await a_side.post(f"/users/{remote_b['id']}/follow", headers=a_h)
    assert asked.status_code in (200, 202), asked.text

    async def accepted() -> bool:
        return await follow_status(a_side, remote_b["id"], a_h) == "following"

    await eventually(accepted, timeout=FEDERATED)
    assert "follow" in [n["kind"] for n in await notifications(b_side, b_h)]

    # b's album reaches a's feed, alt texts and all.
    posted = await album(b_side, b_h, "harbour at dawn #boats", ["a red hull", "blue water"])

    async def delivered() -> dict | None:
        return next((p for p in await feed(a_side, a_h) if "harbour" in p["caption"]), None)

    seen = await eventually(delivered, timeout=FEDERATED)
    assert seen["author"]["username"] == acct(b, b_side)
    assert [i["alt"] for i in seen["images"]] == ["a red hull", "blue water"]
    assert all(i["blurhash"] for i in seen["images"])
    # Served by alpha's media (cached there), never hot-linked to beta.
    for image in seen["images"]:
        assert image["url"].startswith(str(a_side.base_url).rstrip("/"))
        url = urlsplit(image["url"])
        assert (await a_side.get(f"{url.path}?{url.query}")).status_code == 200

    # a likes it and replies: b hears of both.
    liked = await a_side.post(f"/posts/{seen['id']}/like", headers=a_h)
    assert liked.status_code in (200, 201, 204), liked.text
    replied = await a_side.post(
        f"/posts/{seen['id']}/comments", json={"content": "lovely light"}, headers=a_h
    )
    assert replied.status_code == 201, replied.text

    async def heard() -> bool:
        kinds = {n["kind"] for n in await notifications(b_side, b_h)}
        return {"like", "comment"} <= kinds

    await eventually(heard, timeout=FEDERATED)
    comments = (await b_side.get(f"/posts/{posted['id']}/comments")).json()["items"]
    assert [c["content"] for c in comments] == ["lovely light"]
    assert comments[0]["author"]["username"] == acct(a, a_side)
    assert (await b_side.get(f"/posts/{posted['id']}")).json()["like_count"] == 1

    # b edits the caption: the change arrives; b deletes the post: it leaves.
    edited = await b_side.patch(
        f"/posts/{posted['id']}", json={"caption": "harbour at noon"}, headers=b_h
    )
    assert edited.status_code == 200, edited.text

    async def changed() -> bool:
        return any(p["caption"] == "harbour at noon" for p in await feed(a_side, a_h))

    await eventually(changed, timeout=FEDERATED)
    assert (await b_side.delete(f"/posts/{posted['id']}", headers=b_h)).status_code == 204

    async def gone() -> bool:
        return not any("harbour" in p["caption"] for p in await feed(a_side, a_h))

    await eventually(gone, timeout=FEDERATED)

    # b goes private: a new follower from alpha waits for b's approval.
    assert (await b_side.patch("/users/me", json={"is_private": True}, headers=b_h)).is_success
    c, c_h = await signed_up(a_side)
    remote_b_for_c = await find_remote(a_side, acct(b, b_side), c_h)
    await a_side.post(f"/users/{remote_b_for_c['id']}/follow", headers=c_h)

    async def asked_b() -> list[dict]:
        pending = await b_side.get("/users/me/follow-requests", headers=b_h)
        return [r for r in pending.json()["items"] if r["username"] == acct(c, a_side)]

    request = (await eventually(asked_b, timeout=FEDERATED))[0]
    assert await follow_status(a_side, remote_b["id"], c_h) == "requested"
    approved = await b_side.post(f"/users/me/follow-requests/{request['id']}/approve", headers=b_h)
    assert approved.is_success, approved.text

    async def c_follows() -> bool:
        return await follow_status(a_side, remote_b["id"], c_h) == "following"

    await eventually(c_follows, timeout=FEDERATED)

    # b blocks c: on alpha too, c no longer follows b (beta rejected the follow).
    blocked = await b_side.post(f"/users/{request['id']}/block", headers=b_h)
    assert blocked.status_code == 200, blocked.text

    async def c_let_go() -> bool:
        return await follow_status(a_side, remote_b["id"], c_h) == "none"

    await eventually(c_let_go, timeout=FEDERATED)

    # b deletes the account: alpha drops b, and what b had there.
    deleted = await b_side.request("DELETE", "/auth/me", json={"password": PASSWORD}, headers=b_h)
    assert deleted.status_code in (200, 202, 204), deleted.text

    async def dropped() -> bool:
        return (await a_side.get(f"/users/{remote_b['id']}", headers=a_h)).status_code == 404

    await eventually(dropped, timeout=FEDERATED)


PASTURE = Path(__file__).parent / "pasture"
# Pasture's actors by what they ask of us: alice and dean fetch and post unsigned, the
# others sign both (claire and frank also refuse our unsigned fetches of their keys).
SIGNING_ACTORS = {"bob", "claire", "emily", "frank"}
UNSIGNED_ACTORS = {"alice", "dean"}


async def test_fediverse_pasture_verifies_our_actor(two_stacks, tmp_path):
    alpha, _ = two_stacks
    async with httpx.AsyncClient(base_url=alpha.gateway_url, timeout=15) as side:
        user, _ = await signed_up(side)
        handle = f"acct:{acct(user, side)}"
    checked = await asyncio.to_thread(
        subprocess.run,
        [
            "uv",
            "run",
            "--locked",
            "--project",
            str(PASTURE),
            "python",
            str(PASTURE / "verify_actor.py"),
            handle,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,  # bovine keeps a JSON-LD cache file in its working directory
        env={k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"},
    )
    assert checked.returncode == 0, checked.stderr[-3000:]
    report = json.loads(checked.stdout.strip().splitlines()[-1])
    result, steps = report["result"], "\n".join(map(str, report["steps"]))
    assert result["webfinger"] is True, steps
    for name in SIGNING_ACTORS:
        assert result[name] == {"get_actor": True, "post_inbox": True}, (name, steps)
    # An unsigned delivery is refused (401), as Mastodon refuses it: pasture counts that
    # as "post_inbox": false for its unsigned actors, after fetching our actor fine.
    for name in UNSIGNED_ACTORS:
        assert result[name] == {"get_actor": True, "post_inbox": False}, (name, steps)
    assert steps.count("Got 401 for unsigned POST") == len(UNSIGNED_ACTORS), steps
