from urllib.parse import parse_qs

import httpx

from auth.oauth.providers import oauth_clients
from tests.fakes.oauth_providers import ProviderUser, browse

FRONTEND = "http://frontend.test"


def kakao_user(unique) -> ProviderUser:
    return ProviderUser(subject=str(abs(hash(unique())) % 10**12), email=None, name="민지")


async def test_providers_lists_every_configured_sign_in_provider(client):
    response = await client.get("/auth/providers")
    assert response.status_code == 200
    assert response.json() == {"providers": ["kakao", "google", "meta"]}


async def test_providers_leaves_out_a_provider_without_a_client_id(client, auth_app, auth_settings):
    configured = auth_app.state.oauth
    only_google = auth_settings.model_copy(update={"kakao_client_id": "", "meta_client_id": ""})
    auth_app.state.oauth = oauth_clients(only_google, auth_app.state.redis)
    try:
        providers = (await client.get("/auth/providers")).json()["providers"]
        kakao = await client.get("/auth/kakao/login")
    finally:
        auth_app.state.oauth = configured
    assert providers == ["google"]
    assert kakao.status_code == 404


async def test_a_first_kakao_sign_in_makes_an_account_with_a_generated_username(
    client, oauth_fakes, unique
):
    oauth_fakes.kakao.user = kakao_user(unique)
    landed = await browse(client, "/auth/kakao/login?next=/home", stop_at=FRONTEND)
    assert str(landed) == f"{FRONTEND}/home"
    tokens = (await client.post("/auth/refresh")).json()
    assert tokens["user"]["identities"] == ["kakao"]
    assert tokens["user"]["email"] is None
    assert len(tokens["user"]["username"]) >= 3


async def test_a_bad_code_at_the_provider_returns_to_the_frontend_with_an_error(
    client, oauth_fakes, unique
):
    oauth_fakes.kakao.user = kakao_user(unique)
    start = await client.get("/auth/kakao/login")
    consent = await client.get(start.headers["location"])
    callback = httpx.URL(consent.headers["location"]).copy_set_param("code", "code-forged")
    response = await client.get(callback)
    assert response.status_code == 302
    landed = httpx.URL(response.headers["location"])
    assert parse_qs(landed.query.decode())["error"] == ["provider_error"]


async def test_an_unreachable_provider_is_an_error_redirect_not_a_500(client, auth_app):
    oauth = auth_app.state.oauth
    google = oauth.create_client("google")
    saved = dict(google.server_metadata), google._server_metadata_url
    google.server_metadata.clear()
    google._server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"
    try:
        response = await client.get("/auth/google/login")
    finally:
        google.server_metadata.update(saved[0])
        google._server_metadata_url = saved[1]
    assert response.status_code == 302
    landed = httpx.URL(response.headers["location"])
    assert parse_qs(landed.query.decode())["error"] == ["provider_unavailable"]


async def test_kakao_unlink_calls_kakao_with_the_admin_key(
    client, make_user, bearer, oauth_fakes, unique
):
    await make_user()  # signed in: the Kakao flow links instead of signing up
    oauth_fakes.kakao.user = kakao_user(unique)
    await browse(client, "/auth/kakao/login", stop_at=FRONTEND)
    tokens = (await client.post("/auth/refresh")).json()
    assert tokens["user"]["identities"] == ["kakao"]
    response = await client.post("/auth/kakao/unlink", headers=bearer(tokens))
    assert response.status_code == 200
    assert response.json()["identities"] == []
    assert oauth_fakes.kakao.unlinked[-1] == oauth_fakes.kakao.user.subject


async def test_an_unverified_email_reserves_nothing_and_the_verified_owner_signs_up(
    auth_app, oauth_fakes, unique
):
    email = f"{unique('owner')}@example.com"
    transport = httpx.ASGITransport(app=auth_app)

    def browser() -> httpx.AsyncClient:
        return httpx.AsyncClient(mounts={"http://test": transport}, base_url="http://test")

    # Someone signs in with a Google account claiming the address, unverified.
    async with browser() as squatter:
        oauth_fakes.google.user = ProviderUser(
            subject=unique("sq"), email=email, name="Squatter", email_verified=False
        )
        landed = await browse(squatter, "/auth/google/login", stop_at=FRONTEND)
        assert "error" not in parse_qs(landed.query.decode())
        squatter_user = (await squatter.post("/auth/refresh")).json()["user"]
        assert squatter_user["email"] is None
    # The address's real owner, verified by Google, signs up normally and gets it.
    async with browser() as owner:
        oauth_fakes.google.user = ProviderUser(subject=unique("own"), email=email, name="Owner")
        landed = await browse(owner, "/auth/google/login", stop_at=FRONTEND)
        assert "error" not in parse_qs(landed.query.decode()), landed
        owner_user = (await owner.post("/auth/refresh")).json()["user"]
    assert owner_user["email"] == email
    assert owner_user["id"] != squatter_user["id"]


async def test_a_verified_email_of_an_existing_account_still_is_not_merged(
    auth_app, oauth_fakes, unique, make_user
):
    account = (await make_user())["user"]
    oauth_fakes.google.user = ProviderUser(
        subject=unique("g"), email=account["email"], name="Same Address"
    )
    # Another browser, signed in as nobody.
    mounts = {"http://test": httpx.ASGITransport(app=auth_app)}
    async with httpx.AsyncClient(mounts=mounts, base_url="http://test") as stranger:
        landed = await browse(stranger, "/auth/google/login", stop_at=FRONTEND)
    assert parse_qs(landed.query.decode())["error"] == ["account_exists"]
