"""WebFinger, NodeInfo and the actor documents, in the shapes Mastodon and Pixelfed read."""

# As the conftest's settings and social stand-in have them.
PUBLIC_URL = "http://fed.test"
ALICE_ID = "0190f000-0000-7000-8000-000000000001"

AP = {"Accept": "application/activity+json"}


async def test_webfinger_names_the_actor(client):
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:alice@fed.test"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jrd+json")
    body = response.json()
    assert body["subject"] == "acct:alice@fed.test"
    self_link = next(link for link in body["links"] if link["rel"] == "self")
    assert self_link == {
        "rel": "self",
        "type": "application/activity+json",
        "href": f"{PUBLIC_URL}/users/alice",
    }


async def test_webfinger_refuses_unknown_users_and_other_hosts(client):
    for resource in ("acct:nobody@fed.test", "acct:alice@elsewhere.test", "alice"):
        response = await client.get("/.well-known/webfinger", params={"resource": resource})
        assert response.status_code == 404, resource
        assert response.json()["error"]["code"] == "account_not_found"


async def test_nodeinfo(client):
    links = (await client.get("/.well-known/nodeinfo")).json()["links"]
    assert links[0]["href"] == f"{PUBLIC_URL}/nodeinfo/2.1"
    body = (await client.get("/nodeinfo/2.1")).json()
    assert body["protocols"] == ["activitypub"]
    assert body["usage"] == {"users": {"total": 2}, "localPosts": 1}
    assert body["openRegistrations"] is True


async def test_person(client):
    response = await client.get("/users/alice", headers=AP)
    assert response.headers["content-type"].startswith("application/activity+json")
    person = response.json()
    actor = f"{PUBLIC_URL}/users/alice"
    assert person["id"] == actor and person["type"] == "Person"
    assert person["inbox"] == f"{actor}/inbox"
    assert person["endpoints"]["sharedInbox"] == f"{PUBLIC_URL}/inbox"
    assert person["publicKey"]["id"] == f"{actor}#main-key"
    assert person["publicKey"]["owner"] == actor
    assert person["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert person["manuallyApprovesFollowers"] is False
    assert "https://w3id.org/security/v1" in person["@context"]
    # The same key on every fetch: made once, kept.
    again = (await client.get("/users/alice", headers=AP)).json()
    assert again["publicKey"] == person["publicKey"]
    private = (await client.get("/users/bob", headers=AP)).json()
    assert private["manuallyApprovesFollowers"] is True


async def test_a_browser_goes_to_the_profile_screen(client):
    response = await client.get("/users/alice", headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert response.headers["location"] == f"{PUBLIC_URL}/people/{ALICE_ID}"


async def test_unknown_actor_is_404(client):
    assert (await client.get("/users/nobody", headers=AP)).status_code == 404


async def test_any_name_in_the_url_is_404_not_500(client):
    # Schemathesis sent control characters and non-ASCII: they reach social quoted.
    for name in ("%F3%AD%BE%A9M%18%C2%AF", "a%2Fb", "%00", "..", "alice%20x"):
        for tail in ("", "/followers", "/outbox", "/statuses/%0A"):
            response = await client.get(f"/users/{name}{tail}", headers=AP)
            assert response.status_code == 404, (name, tail, response.text)


async def test_a_cursor_we_did_not_give_out_is_the_askers_mistake(client):
    # Schemathesis sent non-ASCII as an outbox cursor: social refused it, and that was a 502.
    for tail in ("outbox", "followers", "following"):
        page = await client.get(f"/users/alice/{tail}?cursor=c1", headers=AP)
        assert page.status_code == 200, (tail, page.text)
        assert page.json()["type"] == "OrderedCollectionPage"
        unknown = await client.get(f"/users/alice/{tail}?cursor=AAAA", headers=AP)
        assert (unknown.status_code, unknown.json()["error"]["code"]) == (400, "invalid_cursor")
        garbage = await client.get(f"/users/alice/{tail}?cursor=%F1%8A%A7%98w", headers=AP)
        assert garbage.status_code == 422, (tail, garbage.text)


async def test_private_followers_show_a_count_only(client):
    body = (await client.get("/users/bob/followers", headers=AP)).json()
    assert body == {**body, "type": "OrderedCollection", "totalItems": 1}
    assert "first" not in body


async def test_instance_actor(client):
    body = (await client.get("/actor", headers=AP)).json()
    assert body["type"] == "Application"
    assert body["publicKey"]["id"] == f"{PUBLIC_URL}/actor#main-key"
