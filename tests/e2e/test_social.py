"""SocialPhoto through the gateway, on the whole stack: real auth, media, Postgres, Redis, S3."""

import asyncio
import json
import uuid

from tests.e2e.accounts import png, signed_up
from tests.support.polling import eventually


async def post_image(gateway, headers, caption="", color="red"):
    files = {"image": ("photo.png", png(color), "image/png")}
    return await gateway.post("/posts", data={"caption": caption}, files=files, headers=headers)


async def feed_ids(gateway, path, headers=None):
    response = await gateway.get(path, params={"limit": 100}, headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_the_seed_flow(gateway):
    a, a_headers = await signed_up(gateway)
    _, b_headers = await signed_up(gateway)

    created = await post_image(gateway, a_headers, caption="first light", color="orange")
    assert created.status_code == 201, created.text
    post = created.json()
    assert post["author"]["username"] == a["username"]
    media_path = post["image_url"].removeprefix(str(gateway.base_url).rstrip("/"))
    assert (await gateway.get(media_path)).status_code == 200  # the link works via the gateway

    assert post["id"] in await feed_ids(gateway, "/feed/global", b_headers)
    assert post["id"] not in await feed_ids(gateway, "/feed", b_headers)
    followed = await gateway.post(f"/users/{a['id']}/follow", headers=b_headers)
    assert followed.status_code == 200
    assert post["id"] in await feed_ids(gateway, "/feed", b_headers)

    await gateway.post(f"/posts/{post['id']}/like", headers=b_headers)
    disliked = (await gateway.post(f"/posts/{post['id']}/dislike", headers=b_headers)).json()
    assert (disliked["like_count"], disliked["dislike_count"]) == (0, 1)
    assert disliked["viewer_reaction"] == "dislike"

    comments = f"/posts/{post['id']}/comments"
    b_comment = await gateway.post(comments, json={"content": "lovely"}, headers=b_headers)
    assert b_comment.status_code == 201
    a_comment = (await gateway.post(comments, json={"content": "thanks"}, headers=a_headers)).json()

    stats = (await gateway.get(f"/users/{a['id']}/stats")).json()
    assert (stats["posts"], stats["followers"]) == (1, 1)

    assert (await gateway.delete(f"/posts/{post['id']}", headers=b_headers)).status_code == 403
    denied = await gateway.delete(f"/comments/{a_comment['id']}", headers=b_headers)
    assert denied.status_code == 403
    assert (await gateway.delete(f"/posts/{post['id']}", headers=a_headers)).status_code == 204

    assert (await gateway.get(f"/posts/{post['id']}")).status_code == 404
    for path, headers in [
        ("/feed/global", None),
        ("/posts", None),
        ("/feed", b_headers),
        (f"/users/{a['id']}/posts", None),
    ]:
        assert post["id"] not in await feed_ids(gateway, path, headers), path
    assert (await gateway.get(media_path)).status_code == 404  # its media went with it


async def test_follow_and_caption_rules(gateway):
    me, headers = await signed_up(gateway)
    myself = await gateway.post(f"/users/{me['id']}/follow", headers=headers)
    assert myself.status_code == 400
    assert myself.json()["error"]["code"] == "cannot_follow_self"
    nobody = await gateway.post(f"/users/{uuid.uuid4()}/follow", headers=headers)
    assert nobody.status_code == 404
    too_long = await post_image(gateway, headers, caption="c" * 2201)
    assert too_long.status_code == 422
    assert too_long.json()["error"]["code"] == "validation_error"


async def test_a_registered_user_has_a_profile_before_touching_social(gateway):
    user, _ = await signed_up(gateway)
    async with asyncio.timeout(15):  # auth's outbox → Redis Stream → social's consumer
        while True:
            response = await gateway.get(f"/users/{user['id']}")
            if response.status_code == 200:
                break
            await asyncio.sleep(0.1)
    assert response.json()["username"] == user["username"]


async def test_100_concurrent_likes_by_100_users(gateway):
    _, author = await signed_up(gateway)
    post = (await post_image(gateway, author, color="navy")).json()
    limit = asyncio.Semaphore(8)  # password hashing is deliberately slow

    async def fan() -> dict[str, str]:
        async with limit:
            return (await signed_up(gateway))[1]

    fans = await asyncio.gather(*(fan() for _ in range(100)))
    likes = await asyncio.gather(
        *(gateway.post(f"/posts/{post['id']}/like", headers=headers) for headers in fans)
    )
    assert {response.status_code for response in likes} == {200}
    assert (await gateway.get(f"/posts/{post['id']}")).json()["like_count"] == 100


async def test_paging_global_while_another_client_posts(gateway):
    _, author = await signed_up(gateway)
    _, other = await signed_up(gateway)
    old = []
    for _ in range(12):
        old.append((await post_image(gateway, author, color="gray")).json()["id"])
    seen, cursor = [], None
    while old[0] not in seen:
        params = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        body = (await gateway.get("/feed/global", params=params)).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        assert cursor or old[0] in seen
        created = await post_image(gateway, other, color="pink")  # between page requests
        assert created.status_code == 201
    assert [post_id for post_id in seen if post_id in old] == old[::-1]
    assert len(seen) == len(set(seen))


async def test_a_posts_request_id_reaches_media(gateway, platform):
    _, headers = await signed_up(gateway)
    request_id = f"post-trace-{uuid.uuid4().hex}"
    files = {"image": ("photo.png", png("olive"), "image/png")}
    created = await gateway.post(
        "/posts", files=files, headers={**headers, "X-Request-ID": request_id}
    )
    assert created.status_code == 201, created.text

    async def media_logged_it() -> bool:
        log = (platform.dir / "logs" / "media.log").read_text(errors="replace")
        entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        return any(
            e.get("request_id") == request_id and e.get("route") == "/media" for e in entries
        )

    # social's upload to media is logged by media under the browser's request id.
    assert await eventually(media_logged_it)
