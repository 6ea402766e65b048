"""The Mastodon client API through the gateway, driven by a real client library,
Mastodon.py, and every entity it answers checked against Mastodon's documented shape.

Mastodon.py is synchronous (requests): its calls run on a worker thread so the test's
event loop, which owns the async httpx client, is never blocked. The code grant through
the consent screen is driven in Chromium by tests/e2e/browser/test_mastodon_consent.py.
"""

import asyncio
import functools
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import jsonschema
import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonUnauthorizedError

from stack.platform import Stack
from tests.e2e.accounts import PASSWORD, dump_database, png, signed_up
from tests.support.polling import eventually

T = TypeVar("T")

SCOPES = ["read", "write", "follow"]

# Mastodon's documented entities (docs.joinmastodon.org/entities): the fields every
# answer must carry, with their JSON types.
STRING, NULLABLE_STRING = {"type": "string"}, {"type": ["string", "null"]}
INTEGER, BOOLEAN = {"type": "integer"}, {"type": "boolean"}
ARRAY, OBJECT = {"type": "array"}, {"type": "object"}


def entity(**fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(fields), "properties": fields}


ACCOUNT = entity(
    id=STRING, username=STRING, acct=STRING, url=STRING, display_name=STRING, note=STRING,
    avatar=STRING, avatar_static=STRING, header=STRING, header_static=STRING, locked=BOOLEAN,
    fields=ARRAY, emojis=ARRAY, bot=BOOLEAN, group=BOOLEAN,
    discoverable={"type": ["boolean", "null"]}, created_at=STRING,
    last_status_at=NULLABLE_STRING, statuses_count=INTEGER, followers_count=INTEGER,
    following_count=INTEGER,
)  # fmt: skip
CREDENTIAL_ACCOUNT = {
    "allOf": [
        ACCOUNT,
        entity(
            source=entity(
                note=STRING, fields=ARRAY, privacy=STRING, sensitive=BOOLEAN,
                language=NULLABLE_STRING, follow_requests_count=INTEGER,
            )
        ),
    ]
}  # fmt: skip
APPLICATION = entity(name=STRING, website=NULLABLE_STRING, scopes=ARRAY, redirect_uris=ARRAY)
REGISTERED_APPLICATION = {
    "allOf": [APPLICATION, entity(client_id=STRING, client_secret=STRING, redirect_uri=STRING)]
}
TOKEN = entity(access_token=STRING, token_type=STRING, scope=STRING, created_at=INTEGER)
INSTANCE_V1 = entity(
    uri=STRING, title=STRING, short_description=STRING, description=STRING, email=STRING,
    version=STRING, urls=OBJECT, stats=entity(user_count=INTEGER, status_count=INTEGER,
    domain_count=INTEGER), thumbnail=NULLABLE_STRING, languages=ARRAY, registrations=BOOLEAN,
    approval_required=BOOLEAN, invites_enabled=BOOLEAN, configuration=OBJECT,
)  # fmt: skip
INSTANCE_V2 = entity(
    domain=STRING, title=STRING, version=STRING, source_url=STRING, description=STRING,
    usage=entity(users=entity(active_month=INTEGER)), thumbnail=entity(url=STRING),
    languages=ARRAY, configuration=entity(urls=OBJECT, accounts=OBJECT, statuses=OBJECT,
    media_attachments=OBJECT, polls=OBJECT, translation=OBJECT),
    registrations=entity(enabled=BOOLEAN, approval_required=BOOLEAN), contact=OBJECT,
    rules=ARRAY,
)  # fmt: skip
ERROR = entity(error=STRING)
RELATIONSHIP = entity(
    id=STRING, following=BOOLEAN, showing_reblogs=BOOLEAN, notifying=BOOLEAN,
    followed_by=BOOLEAN, blocking=BOOLEAN, blocked_by=BOOLEAN, muting=BOOLEAN,
    muting_notifications=BOOLEAN, requested=BOOLEAN, requested_by=BOOLEAN,
    domain_blocking=BOOLEAN, endorsed=BOOLEAN, note=STRING,
)  # fmt: skip
MEDIA_ATTACHMENT = entity(
    id=STRING, type=STRING, url=STRING, preview_url=NULLABLE_STRING,
    remote_url=NULLABLE_STRING, meta=OBJECT, description=NULLABLE_STRING,
    blurhash=NULLABLE_STRING,
)  # fmt: skip
STATUS = entity(
    id=STRING, uri=STRING, url=NULLABLE_STRING, created_at=STRING, account=ACCOUNT,
    content=STRING, visibility={"enum": ["public", "unlisted", "private", "direct"]},
    sensitive=BOOLEAN, spoiler_text=STRING,
    media_attachments={"type": "array", "items": MEDIA_ATTACHMENT},
    mentions=ARRAY, tags={"type": "array", "items": entity(name=STRING, url=STRING)},
    emojis=ARRAY, reblogs_count=INTEGER, favourites_count=INTEGER, replies_count=INTEGER,
    reblog={"type": ["object", "null"]}, poll={"type": ["object", "null"]},
    card={"type": ["object", "null"]}, language=NULLABLE_STRING, edited_at=NULLABLE_STRING,
    in_reply_to_id=NULLABLE_STRING, in_reply_to_account_id=NULLABLE_STRING,
    favourited=BOOLEAN, reblogged=BOOLEAN, muted=BOOLEAN, bookmarked=BOOLEAN, pinned=BOOLEAN,
)  # fmt: skip


def valid(instance: Any, schema: dict[str, Any]) -> Any:
    jsonschema.validate(instance, schema)
    return instance


async def off_loop(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(functools.partial(call, *args, **kwargs))


async def app_and_token(
    gateway: httpx.AsyncClient, username: str, scopes: list[str] = SCOPES
) -> tuple[Mastodon, dict[str, Any]]:
    """An app registered by Mastodon.py and signed in with the password grant."""
    base = str(gateway.base_url).rstrip("/")
    client_id, client_secret = await off_loop(
        Mastodon.create_app, "e2e tooter", scopes=scopes, api_base_url=base
    )
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    await off_loop(api.log_in, username, PASSWORD, scopes=scopes, allow_http=True)
    return api, {"client_id": client_id, "client_secret": client_secret}


async def test_mastodon_py_signs_in_reads_and_is_revoked(gateway, platform: Stack):
    user, _headers = await signed_up(gateway)
    api, _app = await app_and_token(gateway, user["username"])

    instance = await off_loop(api.instance_v1)
    assert instance["version"].startswith("4.")
    me = await off_loop(api.account_verify_credentials)
    assert (me["id"], me["username"]) == (user["id"], user["username"])
    assert (await off_loop(api.account, user["id"]))["acct"] == user["username"]
    assert (await off_loop(api.app_verify_credentials))["name"] == "e2e tooter"

    base = str(gateway.base_url).rstrip("/")

    async def refused(token: str) -> bool:
        try:
            await off_loop(
                Mastodon(access_token=token, api_base_url=base).account_verify_credentials
            )
        except MastodonUnauthorizedError:
            return True
        return False

    first_token = api.access_token
    assert first_token is not None
    await off_loop(api.revoke_access_token, allow_http=True)
    assert await eventually(lambda: refused(first_token), timeout=10)

    # Signing out everywhere ends every app's token too, at every service.
    second, _app = await app_and_token(gateway, user["username"])
    second_token = second.access_token
    assert second_token is not None and not await refused(second_token)
    session = await gateway.post(
        "/auth/login", json={"username": user["username"], "password": PASSWORD}
    )
    ended = await gateway.post(
        "/auth/logout-all", headers={"Authorization": f"Bearer {session.json()['access_token']}"}
    )
    assert ended.status_code == 204
    assert await eventually(lambda: refused(second_token), timeout=10)


async def test_a_photo_is_posted_read_page_by_page_favourited_bookmarked_and_deleted(gateway):
    author, _headers = await signed_up(gateway)
    reader, _reader_headers = await signed_up(gateway)
    api, _app = await app_and_token(gateway, author["username"])
    reader_api, _reader_app = await app_and_token(gateway, reader["username"])
    tag = f"mp{uuid.uuid4().hex[:8]}"

    posted = []
    for number in range(3):
        attachment = await off_loop(
            api.media_post, png("teal"), mime_type="image/png", description=f"alt {number}"
        )
        assert attachment["description"] == f"alt {number}"
        status = await off_loop(
            api.status_post, f"light #{tag} no. {number}", media_ids=[attachment["id"]]
        )
        posted.append(status["id"])
    newest = await off_loop(api.status, posted[-1])
    assert newest["media_attachments"][0]["description"] == "alt 2"
    assert newest["media_attachments"][0]["blurhash"]
    assert f'rel="tag">#<span>{tag}</span></a>' in newest["content"]
    assert newest["tags"] == [{"name": tag, "url": newest["tags"][0]["url"]}]
    assert newest["visibility"] == "public"

    # Home, page by page through the Link header (Mastodon.py's fetch_next).
    first = await off_loop(api.timeline_home, limit=2)
    assert [s["id"] for s in first] == posted[:0:-1]
    second = await off_loop(api.fetch_next, first)
    assert second is not None and [s["id"] for s in second] == posted[:1]
    # Newer than the oldest: the rest, newest first.
    newer = await off_loop(api.timeline_home, since_id=posted[0])
    assert [s["id"] for s in newer] == posted[:0:-1]
    tagged = await off_loop(reader_api.timeline_hashtag, tag, limit=2)
    assert [s["id"] for s in tagged] == posted[:0:-1]
    public = await off_loop(reader_api.timeline_public, limit=40)
    assert posted[-1] in [s["id"] for s in public]
    account = await off_loop(reader_api.account_statuses, author["id"], limit=1)
    assert [s["id"] for s in account] == posted[-1:]

    # Follow: the platform's follow, and the relationship both ways.
    relationship = await off_loop(reader_api.account_follow, author["id"])
    assert relationship["following"] and not relationship["followed_by"]
    (seen,) = await off_loop(api.account_relationships, [reader["id"]])
    assert seen["followed_by"] and not seen["following"]
    assert (await off_loop(reader_api.account_lookup, author["username"]))["id"] == author["id"]
    found = await off_loop(reader_api.account_search, author["username"][:6])
    assert author["id"] in [a["id"] for a in found]
    following = await gateway.get(f"/users/{reader['id']}/following")
    assert author["id"] in [p["id"] for p in following.json()["items"]]
    assert posted[-1] in [s["id"] for s in await off_loop(reader_api.timeline_home)]

    # A favourite is the platform's like; a bookmark its bookmark.
    favourited = await off_loop(reader_api.status_favourite, posted[-1])
    assert favourited["favourited"] and favourited["favourites_count"] == 1
    web_view = await gateway.get(f"/posts/{posted[-1]}")
    assert web_view.json()["like_count"] == 1
    # The author hears of the follow and the favourite, as the web app's notifications
    # (an unfavourite takes the favourite's back, as an unlike does).
    notified = await off_loop(api.notifications)
    assert {(n["type"], n["account"]["id"]) for n in notified} >= {
        ("follow", reader["id"]),
        ("favourite", reader["id"]),
    }
    favourite_note = next(n for n in notified if n["type"] == "favourite")
    assert favourite_note["status"]["id"] == posted[-1]
    assert (await off_loop(api.notifications, id=favourite_note["id"]))["type"] == "favourite"

    assert (await off_loop(reader_api.status_bookmark, posted[-1]))["bookmarked"]
    assert not (await off_loop(reader_api.status_unbookmark, posted[-1]))["bookmarked"]
    assert (await off_loop(reader_api.status_unfavourite, posted[-1]))["favourites_count"] == 0

    results = await off_loop(reader_api.search_v2, f"#{tag}")
    assert [h["name"] for h in results["hashtags"]] == [tag]
    assert (await off_loop(reader_api.status_context, posted[-1]))["descendants"] == []
    (found,) = (await off_loop(reader_api.search_v2, newest["url"]))["statuses"]
    assert found["id"] == posted[-1]

    # Only its author deletes a status; the answer is the status as it was.
    with pytest.raises(MastodonAPIError):
        await off_loop(reader_api.status_delete, posted[0])
    deleted = await off_loop(api.status_delete, posted[0])
    assert deleted["id"] == posted[0]
    assert (await gateway.get(f"/api/v1/statuses/{posted[0]}")).status_code == 404


async def test_mastodon_py_loads_newer_posts_without_a_gap_replies_and_lists_followers(gateway):
    author, _headers = await signed_up(gateway)
    reader, _reader_headers = await signed_up(gateway)
    api, _app = await app_and_token(gateway, author["username"])
    reader_api, _reader_app = await app_and_token(gateway, reader["username"])
    await off_loop(reader_api.account_follow, author["id"])

    async def post(text: str) -> dict[str, Any]:
        attachment = await off_loop(api.media_post, png("olive"), mime_type="image/png")
        status: dict[str, Any] = await off_loop(api.status_post, text, media_ids=[attachment["id"]])
        return status

    early = [(await post(f"early {n}"))["id"] for n in range(2)]
    top = await off_loop(reader_api.timeline_home, limit=2)
    assert [s["id"] for s in top] == early[::-1]
    # Five arrive while the reader is away; "load newer" pages forward from the top
    # (Mastodon.py's fetch_previous follows the `prev` link, min_id) and loses none, where
    # since_id would have answered the newest two and left a gap.
    later = [(await post(f"later {n}"))["id"] for n in range(5)]
    newer_pages = []
    page = top
    while page := await off_loop(reader_api.fetch_previous, page):
        newer_pages.append([s["id"] for s in page])
    assert [i for p in reversed(newer_pages) for i in p] == later[::-1]
    assert [len(p) for p in newer_pages] == [2, 2, 1]
    after_early = await off_loop(reader_api.timeline_home, min_id=early[-1], limit=2)
    assert [s["id"] for s in after_early] == later[1::-1]
    gap = await off_loop(reader_api.timeline_home, since_id=early[-1], limit=2)
    assert [s["id"] for s in gap] == later[:2:-1]

    # A reply is a comment on the post, in its thread; a reply to it joins the same thread.
    target = await off_loop(reader_api.status, later[-1])
    reply = await off_loop(reader_api.status_reply, target, "lovely light")
    assert reply["in_reply_to_id"] == later[-1]
    answer = await off_loop(api.status_reply, reply, "thanks")
    assert answer["in_reply_to_id"] == later[-1]
    context = await off_loop(api.status_context, later[-1])
    assert [s["id"] for s in context["descendants"]] == [reply["id"], answer["id"]]
    assert (await off_loop(api.status, reply["id"]))["in_reply_to_id"] == later[-1]
    web_comments = await gateway.get(f"/posts/{later[-1]}/comments")
    assert [c["id"] for c in web_comments.json()["items"]] == [reply["id"], answer["id"]]
    # A retry with the same Idempotency-Key answers the first status.
    key = f"once-{uuid.uuid4()}"
    first, retried = [
        await off_loop(reader_api.status_post, "once", in_reply_to_id=later[0], idempotency_key=key)
        for _ in range(2)
    ]
    assert retried["id"] == first["id"]

    # Followers and followees, page by page.
    second_fan, _ = await signed_up(gateway)
    second_api, _app = await app_and_token(gateway, second_fan["username"])
    await off_loop(second_api.account_follow, author["id"])
    followers = await off_loop(api.account_followers, author["id"], limit=1)
    assert [a["id"] for a in followers] == [second_fan["id"]]
    rest = await off_loop(api.fetch_next, followers)
    assert rest is not None and [a["id"] for a in rest] == [reader["id"]]
    following = await off_loop(api.account_following, reader["id"])
    assert [a["id"] for a in following] == [author["id"]]


async def test_scopes_are_enforced_with_mastodons_errors(gateway):
    user, _headers = await signed_up(gateway)
    api, _app = await app_and_token(gateway, user["username"], scopes=["read:statuses"])
    with pytest.raises(MastodonAPIError) as refused:
        await off_loop(api.account_verify_credentials)
    assert refused.value.args[1] == 403
    answer = await gateway.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {api.access_token}"},
    )
    assert answer.status_code == 403
    valid(answer.json(), ERROR)
    # A read-only token cannot post.
    reader, _app = await app_and_token(gateway, user["username"], scopes=["read"])
    posting = await gateway.post(
        "/api/v1/statuses",
        json={"status": "x", "media_ids": [str(uuid.uuid4())]},
        headers={"Authorization": f"Bearer {reader.access_token}"},
    )
    assert posting.status_code == 403
    assert posting.json() == {"error": "This action is outside the authorized scopes"}
    # A session's token is not an app's: Mastodon's routes refuse it, and app tokens are
    # refused by the platform's own routes.
    _user, session_headers = await signed_up(gateway)
    assert (
        await gateway.get("/api/v1/accounts/verify_credentials", headers=session_headers)
    ).status_code == 401
    own = await gateway.get("/feed", headers={"Authorization": f"Bearer {api.access_token}"})
    assert own.status_code == 401


async def test_every_mastodon_route_answers_its_documented_entity(gateway):
    """Walks each route of the API as built so far; each answer validates against the
    JSON schema of Mastodon's entity."""
    user, _headers = await signed_up(gateway)
    registered = await gateway.post(
        "/api/v1/apps",
        data={"client_name": "schema walk", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
              "scopes": "read write follow push"},
    )  # fmt: skip
    app = valid(registered.json(), REGISTERED_APPLICATION)
    token = await gateway.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": user["username"],
            "password": PASSWORD,
            "scope": "read write follow push",
        },
    )
    valid(token.json(), TOKEN)
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    app_token = await gateway.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    )
    valid(app_token.json(), TOKEN)
    uploaded = await gateway.post(
        "/api/v2/media",
        files={"file": ("p.png", png("navy"), "image/png")},
        data={"description": "navy square"},
        headers=headers,
    )
    attachment = valid(uploaded.json(), MEDIA_ATTACHMENT)
    posted = await gateway.post(
        "/api/v1/statuses",
        json={"status": "walk #schemawalk", "media_ids": [attachment["id"]]},
        headers=headers,
    )
    status = valid(posted.json(), STATUS)
    replied = await gateway.post(
        "/api/v1/statuses",
        data={"status": "a reply", "in_reply_to_id": status["id"]},
        headers=headers,
    )
    reply = valid(replied.json(), STATUS)
    text_only = await gateway.post("/api/v1/statuses", data={"status": "no photo"}, headers=headers)
    assert text_only.status_code == 422
    valid(text_only.json(), ERROR)
    for action in ("favourite", "bookmark", "unbookmark", "unfavourite"):
        changed = await gateway.post(f"/api/v1/statuses/{status['id']}/{action}", headers=headers)
        valid(changed.json(), STATUS)
    statuses = {"type": "array", "items": STATUS}
    other, _other_headers = await signed_up(gateway)
    followed = await gateway.post(f"/api/v1/accounts/{other['id']}/follow", headers=headers)
    valid(followed.json(), RELATIONSHIP)
    relationships = {"type": "array", "items": RELATIONSHIP}
    routes: list[tuple[str, dict[str, Any], dict[str, str]]] = [
        (f"/api/v1/media/{attachment['id']}", MEDIA_ATTACHMENT, headers),
        (f"/api/v1/accounts/relationships?id[]={other['id']}", relationships, headers),
        (f"/api/v1/accounts/lookup?acct={other['username']}", ACCOUNT, {}),
        (
            f"/api/v1/accounts/search?q={other['username']}",
            {"type": "array", "items": ACCOUNT},
            headers,
        ),
        (f"/api/v1/statuses/{status['id']}", STATUS, {}),
        (f"/api/v1/statuses/{reply['id']}", STATUS, {}),
        (f"/api/v1/accounts/{user['id']}/following", {"type": "array", "items": ACCOUNT}, {}),
        (f"/api/v1/accounts/{other['id']}/followers", {"type": "array", "items": ACCOUNT}, {}),
        ("/api/v1/timelines/home", statuses, headers),
        ("/api/v1/timelines/public", statuses, {}),
        ("/api/v1/timelines/tag/schemawalk", statuses, {}),
        (f"/api/v1/accounts/{user['id']}/statuses", statuses, {}),
        ("/api/v1/instance", INSTANCE_V1, {}),
        ("/api/v2/instance", INSTANCE_V2, {}),
        ("/api/v1/apps/verify_credentials", APPLICATION, headers),
        ("/api/v1/accounts/verify_credentials", CREDENTIAL_ACCOUNT, headers),
        (f"/api/v1/accounts/{user['id']}", ACCOUNT, {}),
        ("/api/v1/accounts/00000000-0000-0000-0000-000000000000", ERROR, {}),
        ("/api/v1/accounts/verify_credentials", ERROR, {}),
    ]
    other_api_token = await gateway.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": other["username"],
            "password": PASSWORD,
            "scope": "read write",
        },
    )
    other_headers = {"Authorization": f"Bearer {other_api_token.json()['access_token']}"}
    notification = entity(
        id=STRING, type=STRING, created_at=STRING, account=ACCOUNT,
        status={"oneOf": [{"type": "null"}, STATUS]},
    )  # fmt: skip
    routes.append(("/api/v1/notifications", {"type": "array", "items": notification},
                   other_headers))  # fmt: skip
    context = entity(ancestors=statuses, descendants=statuses)
    routes.append((f"/api/v1/statuses/{status['id']}/context", context, {}))
    routes.append((f"/api/v1/statuses/{reply['id']}/context", context, {}))
    routes.append((f"/api/v2/search?q={status['url']}&type=statuses",
                   entity(accounts=ARRAY, statuses={**statuses, "minItems": 1}, hashtags=ARRAY),
                   headers))  # fmt: skip
    routes.append((f"/api/v2/search?q={other['username']}",
                   entity(accounts={"type": "array", "items": ACCOUNT}, statuses=statuses,
                          hashtags={"type": "array", "items": entity(name=STRING, url=STRING)}),
                   headers))  # fmt: skip
    for path, schema, route_headers in routes:
        answer = await gateway.get(path, headers=route_headers)
        assert answer.status_code < 500, (path, answer.text)
        valid(answer.json(), schema)
    cleared = await gateway.post("/api/v1/notifications/clear", headers=other_headers)
    assert cleared.json() == {}
    assert (await gateway.get("/api/v1/notifications", headers=other_headers)).json() == []
    metadata = (await gateway.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["app_registration_endpoint"].endswith("/api/v1/apps")


async def test_app_secrets_and_tokens_are_kept_only_hashed_and_never_logged(
    gateway: httpx.AsyncClient, platform: Stack
):
    """A client secret, an authorization's token and the JWT of an app are in no row of
    auth's database and in no log of any part of the platform."""
    user, _headers = await signed_up(gateway)
    api, app = await app_and_token(gateway, user["username"])
    token = api.access_token
    assert token is not None
    await off_loop(api.account_verify_credentials)  # the token travels to social too
    dump = await dump_database(platform.database_url("auth"))
    assert user["id"] in dump  # the dump does hold this account's rows
    for secret in (app["client_secret"], token):
        # bytea columns print as hex: the secret is in neither form.
        assert secret not in dump and secret.encode().hex() not in dump
    logs = {path.name: path.read_text() for path in (platform.dir / "logs").iterdir()}
    assert logs, "no logs were captured"
    for name, text in logs.items():
        for secret in (app["client_secret"], token, token.split(".")[-1]):
            assert secret not in text, f"{name} holds an app secret"
