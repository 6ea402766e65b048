"""Who may see a private account's post, its comments and its images, asked of every GET
route the gateway's merged OpenAPI lists, so that a route added later is covered without
editing this test.

Each route whose path names a user, a post, a comment or a media is filled with the
private account's (its post, a comment on it, each of its images) and asked by everyone:
anonymous, a stranger, someone whose request is pending, someone declined → never a 200
for a post, comment or media route, and never a byte of the post (its id, caption, comment,
media ids, who follows it) in any answer; the owner and an approved follower → 200 (a
follower through the signed links the post handed out, as a browser does). Routes without
path parameters (feeds, search, notifications...) are asked too: the post never shows up.
A path parameter this test does not know fails it: say here what it names. The Mastodon
client API's routes (`/api/v1/...`, `/api/v2/...`) are asked with each person's app token
(the password grant of an app registered here), as a Mastodon app asks them. Federation's
routes are asked as another server asks them, for ActivityStreams JSON and unsigned: its
Notes (the post's and the comment's) never answer 200, nothing shows a byte of the post,
and no one at all is allowed more (the owner and followers read through the API); the
account's actor itself is public. An unsigned POST to an inbox is 401, whoever sends it.
"""

import json
import re
import uuid
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.e2e.accounts import PASSWORD, png, signed_up

# Path parameters that name what a private account owns, filled from the scenario: `id` is
# a Mastodon status (the post), `name` and `hashtag` its tag, `username` the account's
# actor, `object_id` a Note (the post or the comment).
SUBJECTS = {"user_id", "post_id", "comment_id", "media_id", "name", "id", "hashtag", "username",
            "object_id"}  # fmt: skip
ABOUT_THE_POST = {"post_id", "comment_id", "media_id", "id", "object_id"}
# Path parameters that name something else, with why the matrix leaves their routes out.
OTHERS = {
    "ig_user_id": "an Instagram account, not a user of ours",
    "analysis_id": "a follower analysis, only ever its owner's (igscraper's own tests)",
    "provider": "a sign-in provider",
    "notification_id": "a notification, only ever its recipient's (test_mastodon_client)",
}
# Routes that show what they name to its owner alone, as Mastodon's do: not to followers.
OWNER_ONLY = {"/api/v1/media/{media_id}": "an upload, shown to its uploader"}
MASTODON = ("/api/v1/", "/api/v2/")
# How another server asks for federation's documents (the gateway routes by it).
ACTIVITY = {"Accept": "application/activity+json"}
# Routes that answer something other than JSON about users and posts, or never end.
NOT_ASKED = {"/api/ig/queue"}


async def app_tokens(gateway, users: dict[str, dict]) -> dict[str, dict[str, str]]:
    """Each person's headers for the Mastodon client API: an app's token by the password
    grant, with write too (Mastodon shows an upload only to a `write:media` token)."""
    registered = await gateway.post(
        "/api/v1/apps",
        data={"client_name": "access matrix", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
              "scopes": "read write"},
    )  # fmt: skip
    app = registered.json()
    headers = {}
    for role, user in users.items():
        granted = await gateway.post(
            "/oauth/token",
            data={"grant_type": "password", "client_id": app["client_id"],
                  "client_secret": app["client_secret"], "username": user["username"],
                  "password": PASSWORD, "scope": "read write"},
        )  # fmt: skip
        assert granted.status_code == 200, granted.text
        headers[role] = {"Authorization": f"Bearer {granted.json()['access_token']}"}
    return headers


@pytest.fixture
async def scenario(gateway) -> dict:
    """A private account with an album post and a comment on it, and the people around it."""
    owner, owner_h = await signed_up(gateway)
    follower, follower_h = await signed_up(gateway)
    pending, pending_h = await signed_up(gateway)
    declined, declined_h = await signed_up(gateway)
    stranger, stranger_h = await signed_up(gateway)
    assert (
        await gateway.patch("/users/me", json={"is_private": True}, headers=owner_h)
    ).status_code == 200
    word = f"hush{uuid.uuid4().hex[:12]}"
    files = [("image", (f"{c}.png", png(c), "image/png")) for c in ("black", "white")]
    data = {"caption": f"{word} #{word}", "alt": ["night", "day"]}
    created = await gateway.post("/posts", data=data, files=files, headers=owner_h)
    assert created.status_code == 201, created.text
    post = created.json()
    for user_h in (follower_h, pending_h, declined_h):
        asked = await gateway.post(f"/users/{owner['id']}/follow", headers=user_h)
        assert asked.status_code == 202
    for user, answer in ((follower, "approve"), (declined, "decline")):
        path = f"/users/me/follow-requests/{user['id']}/{answer}"
        assert (await gateway.post(path, headers=owner_h)).status_code == 204
    comment_text = f"whisper{uuid.uuid4().hex[:12]}"
    comment = await gateway.post(
        f"/posts/{post['id']}/comments", json={"content": comment_text}, headers=follower_h
    )
    assert comment.status_code == 201, comment.text
    apps = await app_tokens(
        gateway,
        {"owner": owner, "follower": follower, "pending requester": pending,
         "declined requester": declined, "stranger": stranger},
    )  # fmt: skip
    return {
        "fill": {
            "user_id": [owner["id"]],
            "post_id": [post["id"]],
            "id": [post["id"]],
            "comment_id": [comment.json()["id"]],
            "media_id": [image["media_id"] for image in post["images"]],
            "name": [word],
            "hashtag": [word],
            "username": [owner["username"]],
            "object_id": [post["id"], comment.json()["id"]],
        },
        "apps": {"anonymous": {}, **apps},
        "secrets": [
            post["id"],
            comment.json()["id"],
            word,
            comment_text,
            follower["id"],
            *(image["media_id"] for image in post["images"]),
        ],
        # Search for the private account's own name: it is found, its posts are not;
        # WebFinger finds its actor.
        "query": {
            "q": owner["username"],
            "resource": f"acct:{owner['username']}@{gateway.base_url.netloc.decode()}",
        },
        "links": [link for i in post["images"] for link in (i["url"], i["thumbnail_url"])],
        "allowed": {"owner": owner_h, "follower": follower_h},
        "denied": {
            "anonymous": {},
            "stranger": stranger_h,
            "pending requester": pending_h,
            "declined requester": declined_h,
        },
    }


def get_routes(document: dict) -> list[tuple[str, list[dict], str]]:
    """(path, its parameters, the service that answers it) for every GET route."""
    return [
        (path, operations["get"].get("parameters", []), operations["get"]["tags"][0])
        for path, operations in sorted(document["paths"].items())
        if "get" in operations and path not in NOT_ASKED
    ]


def fill_query(path: str, parameters: list[dict], known: dict[str, str]) -> dict[str, str] | None:
    """The required query parameters: a known one's value, an enum's first value; None
    when one is neither."""
    query = {}
    for parameter in parameters:
        if parameter["in"] != "query" or not parameter.get("required"):
            continue
        name, schema = parameter["name"], parameter.get("schema", {})
        if name in known:
            query[name] = known[name]
        elif "enum" in schema:
            query[name] = str(schema["enum"][0])
        else:
            return None
    return query


def urls_of(path: str, fill: dict[str, list[str]]) -> list[str]:
    names = re.findall(r"{(\w+)}", path)
    urls = [path]
    for name in names:
        urls = [url.replace(f"{{{name}}}", value) for url in urls for value in fill[name]]
    return urls


def signed_query_for(url: str, links: list[str]) -> dict[str, str]:
    """The query of the handed-out link to this path (else the original's, which media
    takes for the metadata too)."""
    path = urlsplit(url).path
    media_id = path.split("/")[2]
    candidates = [link for link in links if media_id in link]
    chosen = next((link for link in candidates if urlsplit(link).path == path), candidates[0])
    return dict(parse_qsl(urlsplit(chosen).query))


async def test_only_the_owner_and_approved_followers_see_a_private_post(gateway, scenario):
    document = (await gateway.get("/openapi.json")).json()
    routes = get_routes(document)
    assert any("{post_id}" in path for path, _, _ in routes)
    fill, secrets = scenario["fill"], scenario["secrets"]
    asked = 0
    for path, parameters, service in routes:
        names = set(re.findall(r"{(\w+)}", path))
        unknown = names - SUBJECTS - set(OTHERS)
        if unknown:
            pytest.fail(f"GET {path}: say in SUBJECTS or OTHERS what {sorted(unknown)} names")
        if names & set(OTHERS) or ("name" in names and not path.startswith("/tags/")):
            continue
        query = fill_query(path, parameters, scenario["query"])
        if query is None:
            if names:
                pytest.fail(f"GET {path}: cannot fill its required query parameters")
            continue
        about_the_post = bool(names & ABOUT_THE_POST)
        mastodon = path.startswith(MASTODON)
        federated = service == "federation"
        allowed = {} if federated else scenario["allowed"]
        if path in OWNER_ONLY:
            allowed = {"owner": allowed["owner"]}
        for url in urls_of(path, fill):
            asked += 1
            for role, headers in scenario["denied"].items():
                headers = scenario["apps"][role] if mastodon else headers
                headers = headers | ACTIVITY if federated else headers
                answer = await gateway.get(url, params=query, headers=headers)
                if about_the_post:
                    assert answer.status_code != 200, f"{role} got GET {url}"
                # What the URL itself names may be echoed (a tag page says its name).
                leaked = [s for s in secrets if s in answer.text and s not in url]
                assert not leaked, f"{role} read {leaked} in GET {url} ({answer.status_code})"
            if not names:
                continue
            for role, headers in allowed.items():
                headers = scenario["apps"][role] if mastodon else headers
                params = dict(query)
                if "media_id" in names and role != "owner":
                    params |= signed_query_for(url, scenario["links"])
                answer = await gateway.get(url, params=params, headers=headers)
                assert answer.status_code == 200, f"{role}: GET {url} → {answer.status_code}"
    assert asked > 10


async def test_the_private_accounts_actor_is_public_to_other_servers(gateway, scenario):
    """The one federation document anyone gets: without it no server could ask to follow."""
    (username,) = scenario["fill"]["username"]
    actor = await gateway.get(f"/users/{username}", headers=ACTIVITY)
    assert actor.status_code == 200, actor.text
    assert actor.json()["type"] == "Person"
    assert not [s for s in scenario["secrets"] if s in actor.text]


async def test_an_unsigned_activity_is_refused_at_every_inbox_whoever_sends_it(gateway, scenario):
    document = (await gateway.get("/openapi.json")).json()
    inboxes = [path for path, item in document["paths"].items()
               if "post" in item and path.endswith("/inbox")]  # fmt: skip
    assert "/inbox" in inboxes and "/users/{username}/inbox" in inboxes
    (post_id, _), (username,) = scenario["fill"]["object_id"], scenario["fill"]["username"]
    note = f"http://{gateway.base_url.netloc.decode()}/users/{username}/statuses/{post_id}"
    activity = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Like",
                "actor": "https://elsewhere.example/users/mallory", "object": note}  # fmt: skip
    roles = scenario["denied"] | scenario["allowed"]
    for path in inboxes:
        url = path.replace("{username}", username)
        for role, headers in roles.items():
            answer = await gateway.post(
                url,
                content=json.dumps(activity),
                headers=headers | {"Content-Type": "application/activity+json"},
            )
            assert answer.status_code == 401, f"{role}: POST {url} → {answer.status_code}"
