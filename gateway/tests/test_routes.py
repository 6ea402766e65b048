import pytest

from gateway.routes import RoutingTable

table = RoutingTable()


def service_for(path: str) -> str | None:
    route = table.match(path)
    return route.service if route else None


def test_longest_prefix_wins():
    assert service_for("/users/me/profile") == "auth"
    assert service_for("/users/42") == "social"
    assert service_for("/users") == "social"
    assert service_for("/users/search") == "social"


def test_every_public_area_has_its_service():
    assert service_for("/auth/login") == "auth"
    assert service_for("/oauth/instagram/start") == "auth"
    assert service_for("/feed/global") == "social"
    assert service_for("/comments/7") == "social"
    assert service_for("/notifications/unread-count") == "social"
    assert service_for("/tags/trending") == "social"
    assert service_for("/media/abc/thumb") == "media"
    assert service_for("/api/images") == "media"
    assert service_for("/api/ig/analyses") == "igscraper"


def test_prefixes_match_whole_segments_only():
    assert service_for("/postsX") is None
    assert service_for("/api/igloo") is None
    assert service_for("/health") is None


# What clients send: a browser's navigation, Mastodon's fetch of an actor, the API's.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
ACTIVITY = "application/activity+json, application/ld+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def scope(method: str, path: str, accept: str | None = None) -> dict:
    headers = [(b"accept", accept.encode())] if accept is not None else []
    return {"type": "http", "method": method, "path": path, "headers": headers}


def routed(method: str, path: str, accept: str | None = None) -> str | None:
    route = table.route(scope(method, path, accept))
    return route.service if route else None


def test_activitypub_discovery_and_the_shared_inbox_are_federations():
    for path in ("/.well-known/webfinger", "/.well-known/nodeinfo", "/nodeinfo/2.1",
                 "/inbox", "/actor"):  # fmt: skip
        assert service_for(path) == "federation", path
    assert service_for("/.well-known/oauth-authorization-server") == "auth"
    assert service_for("/actors") is None
    assert service_for("/inboxes") is None


@pytest.mark.parametrize("accept", [ACTIVITY, LD_JSON, "application/activity+json;q=0.5"])
@pytest.mark.parametrize(
    "path", ["/users/alice", "/users/alice/outbox", "/users/alice/followers",
             "/users/alice/statuses/0190a1b2", "/users/search"],
)  # fmt: skip
def test_whatever_accepts_activitystreams_under_users_goes_to_federation(accept, path):
    assert routed("GET", path, accept) == "federation"


def test_every_post_to_a_users_inbox_goes_to_federation_whatever_it_accepts():
    for accept in (None, "", "*/*", "application/json"):
        assert routed("POST", "/users/alice/inbox", accept) == "federation"
    assert routed("POST", "/users/alice/follow", "*/*") == "social"
    assert routed("POST", "/users/alice/inbox/x", "*/*") == "social"


def test_a_browser_opening_an_actor_url_goes_to_federation_which_redirects_it():
    assert routed("GET", "/users/alice", BROWSER) == "federation"
    assert routed("HEAD", "/users/alice", "text/html") == "federation"
    # Only the actor itself: a browser's other /users URLs are the API's, as before.
    for path in ("/users/alice/posts", "/users/", "/users"):
        assert routed("GET", path, BROWSER) == "social", path
    assert routed("POST", "/users/alice", BROWSER) == "social"


@pytest.mark.parametrize(
    "accept",
    [None, "", "*/*", "application/json", "application/json, text/html",
     "text/html;q=0.5, application/json", "application/activity+json;q=0",
     "*/*, text/html"],
)  # fmt: skip
def test_the_apis_own_calls_stay_socials(accept):
    for path in ("/users/alice", "/users/alice/posts", "/users/me"):
        assert routed("GET", path, accept) == "social", (path, accept)


def test_negotiation_is_for_users_only():
    assert routed("GET", "/users/me/profile", ACTIVITY) == "auth"
    assert routed("GET", "/posts/1", ACTIVITY) == "social"
    assert routed("GET", "/people/alice", BROWSER) is None


def test_federations_documents_under_users_are_published_and_others_are_not():
    assert table.serves("federation", "/users/{username}")
    assert table.serves("social", "/users/{user_id}")
    assert table.serves("federation", "/.well-known/webfinger")
    assert not table.serves("social", "/inbox")
    assert not table.serves("federation", "/posts/{post_id}")
    assert not table.serves("federation", "/internal/federation/events")


async def test_the_gateway_sends_activitypub_to_federation_with_the_signed_headers_intact(client):
    fetched = await client.get("/users/alice", headers={"Accept": LD_JSON})
    assert fetched.json()["service"] == "federation"
    # A signature covers the path and Host: federation gets both as the caller sent them,
    # Host as X-Forwarded-Host (its own Host header names federation's address).
    body = b'{"type": "Follow"}'
    headers = {"Host": "photos.example", "Content-Type": "application/activity+json"}
    delivered = await client.post("/users/alice/inbox?x=1", content=body, headers=headers)
    seen = delivered.json()
    assert seen["service"] == "federation"
    assert seen["path"] == "/users/alice/inbox?x=1"
    assert seen["headers"]["x-forwarded-host"] == "photos.example"
    assert seen["body_bytes"] == len(body)
    browser = await client.get("/users/alice", headers={"Accept": BROWSER})
    assert browser.json()["service"] == "federation"
    api = await client.get("/users/alice", headers={"Accept": "application/json"})
    assert api.json()["service"] == "social"


async def test_the_web_app_never_answers_for_activitypub_paths(client):
    for path in ("/.well-known/webfinger?resource=acct:alice@localhost",
                 "/.well-known/nodeinfo", "/nodeinfo/2.1", "/actor"):  # fmt: skip
        response = await client.get(path, headers={"Accept": BROWSER})
        assert response.json()["service"] == "federation", path
    assert (await client.post("/inbox", content=b"{}")).json()["service"] == "federation"
