"""Apps of the Mastodon client API: registration, the three grants, consent, revocation,
and their tie to the account's sessions."""

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from auth.apps.models import OAuthApp
from auth.sessions.models import AppToken
from tests.support.polling import eventually

OOB = "urn:ietf:wg:oauth:2.0:oob"
CALLBACK = "https://app.example/callback"


async def register(client: httpx.AsyncClient, scopes: str = "read write follow") -> dict[str, Any]:
    response = await client.post(
        "/api/v1/apps",
        data={"client_name": "Tooter", "redirect_uris": f"{OOB} {CALLBACK}", "scopes": scopes},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def password_token(
    client: httpx.AsyncClient, app: dict[str, Any], username: str, password: str, scope: str
) -> httpx.Response:
    return await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": username,
            "password": password,
            "scope": scope,
        },
    )


def bearer_of(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_an_app_registers_by_form_or_json_and_its_secret_is_kept_hashed(client, auth_app):
    app = await register(client)
    assert app["name"] == "Tooter"
    assert app["redirect_uris"] == [OOB, CALLBACK]
    assert app["scopes"] == ["read", "write", "follow"]
    assert app["client_secret_expires_at"] == 0
    as_json = await client.post(
        "/api/v1/apps", json={"client_name": "J", "redirect_uris": [CALLBACK]}
    )
    assert as_json.status_code == 200
    assert as_json.json()["scopes"] == ["read"]
    async with auth_app.state.sessionmaker() as session:
        row = await session.scalar(select(OAuthApp).where(OAuthApp.client_id == app["client_id"]))
    assert row is not None
    assert row.client_secret_hash == hashlib.sha256(app["client_secret"].encode()).digest()
    bad = await client.post("/api/v1/apps", data={"client_name": "x", "redirect_uris": "nope"})
    assert bad.status_code == 422
    assert isinstance(bad.json()["error"], str)  # Mastodon's error shape


async def test_password_grant_gives_a_scoped_token_good_for_the_mastodon_api_only(
    client, make_user, password
):
    user = (await make_user())["user"]
    app = await register(client)
    granted = await password_token(client, app, user["username"], password, "read write")
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "read write"
    assert "expires_in" not in body  # long-lived, as Mastodon's
    checked = await client.get(
        "/api/v1/apps/verify_credentials", headers=bearer_of(body["access_token"])
    )
    assert checked.status_code == 200
    assert checked.json()["name"] == "Tooter"
    assert "client_secret" not in checked.json() or checked.json()["client_secret"] is None
    # The account's own routes refuse an app's token.
    own = await client.get("/auth/me", headers=bearer_of(body["access_token"]))
    assert own.status_code == 401
    assert own.json()["error"]["code"] == "app_token"


async def test_password_grant_refusals_speak_rfc_6749(client, make_user, password):
    user = (await make_user())["user"]
    app = await register(client, scopes="read")
    wrong = await password_token(client, app, user["username"], "wrong-password", "read")
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    too_wide = await password_token(client, app, user["username"], password, "write")
    assert (too_wide.status_code, too_wide.json()["error"]) == (400, "invalid_scope")
    bad_secret = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": "not-it",
            "username": user["username"],
            "password": password,
        },
    )
    assert (bad_secret.status_code, bad_secret.json()["error"]) == (401, "invalid_client")


async def test_client_credentials_acts_for_the_app_with_basic_auth(client):
    app = await register(client)
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    granted = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "read"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert granted.status_code == 200, granted.text
    checked = await client.get(
        "/api/v1/apps/verify_credentials", headers=bearer_of(granted.json()["access_token"])
    )
    assert checked.status_code == 200


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def test_code_grant_with_pkce_through_the_consent(client, make_user, bearer):
    account = await make_user()
    app = await register(client)
    verifier = "v" * 64
    params = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": CALLBACK,
        "scope": "read write",
        "state": "xyz",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
    }
    redirect = await client.get("/oauth/authorize", params=params)
    assert redirect.status_code == 302
    assert urlsplit(redirect.headers["location"]).path == "/authorize"
    shown = await client.get("/auth/apps/consent", params=params, headers=bearer(account))
    assert shown.status_code == 200, shown.text
    assert shown.json() == {
        "name": "Tooter",
        "website": None,
        "scopes": ["read", "write"],
        "redirect_uri": CALLBACK,
    }
    allowed = await client.post(
        "/auth/apps/consent", json={**params, "approve": True}, headers=bearer(account)
    )
    assert allowed.status_code == 200, allowed.text
    to = urlsplit(allowed.json()["redirect_to"])
    query = parse_qs(to.query)
    assert f"{to.scheme}://{to.netloc}{to.path}" == CALLBACK
    assert query["state"] == ["xyz"]
    exchange = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "redirect_uri": CALLBACK,
    }
    wrong_verifier = await client.post("/oauth/token", data={**exchange, "code_verifier": "w" * 64})
    assert wrong_verifier.json()["error"] == "invalid_grant"
    granted = await client.post("/oauth/token", data={**exchange, "code_verifier": verifier})
    assert granted.status_code == 200, granted.text
    assert granted.json()["scope"] == "read write"
    again = await client.post("/oauth/token", data={**exchange, "code_verifier": verifier})
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")  # spent once


async def test_out_of_band_shows_the_code_and_deny_redirects_with_access_denied(
    client, make_user, bearer
):
    account = await make_user()
    app = await register(client)
    oob = {"client_id": app["client_id"], "redirect_uri": OOB, "scope": "read"}
    shown = await client.post(
        "/auth/apps/consent", json={**oob, "approve": True}, headers=bearer(account)
    )
    code = shown.json()["code"]
    granted = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": OOB,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    )
    assert granted.status_code == 200, granted.text
    denied = await client.post(
        "/auth/apps/consent",
        json={"client_id": app["client_id"], "redirect_uri": CALLBACK, "approve": False},
        headers=bearer(account),
    )
    assert parse_qs(urlsplit(denied.json()["redirect_to"]).query)["error"] == ["access_denied"]
    unknown_uri = await client.get(
        "/auth/apps/consent",
        params={"client_id": app["client_id"], "redirect_uri": "https://evil.example/"},
        headers=bearer(account),
    )
    assert unknown_uri.status_code == 400


async def test_revoke_ends_the_token_at_once(client, make_user, password):
    user = (await make_user())["user"]
    app = await register(client)
    token = (await password_token(client, app, user["username"], password, "read")).json()
    other = await register(client)
    refused = await client.post(
        "/oauth/revoke",
        data={
            "client_id": other["client_id"],
            "client_secret": "wrong",
            "token": token["access_token"],
        },
    )
    assert refused.status_code == 403
    revoked = await client.post(
        "/oauth/revoke",
        data={
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "token": token["access_token"],
        },
    )
    assert (revoked.status_code, revoked.json()) == (200, {})

    async def refused_now() -> bool:
        answer = await client.get(
            "/api/v1/apps/verify_credentials", headers=bearer_of(token["access_token"])
        )
        return answer.status_code == 401

    assert await eventually(refused_now)


async def test_authorized_apps_are_listed_taken_back_and_ended_by_signing_out_everywhere(
    client, make_user, password, bearer, auth_app
):
    account = await make_user()
    username = account["user"]["username"]
    first, second = await register(client), await register(client)
    kept = (await password_token(client, first, username, password, "read")).json()
    taken = (await password_token(client, second, username, password, "write")).json()
    listed = (await client.get("/auth/authorized-apps", headers=bearer(account))).json()
    assert {app["scopes"][0] for app in listed} == {"read", "write"}
    second_id = next(app["id"] for app in listed if app["scopes"] == ["write"])
    gone = await client.delete(f"/auth/authorized-apps/{second_id}", headers=bearer(account))
    assert gone.status_code == 204

    async def refused(token: dict[str, Any]) -> bool:
        answer = await client.get(
            "/api/v1/apps/verify_credentials", headers=bearer_of(token["access_token"])
        )
        return answer.status_code == 401

    assert await eventually(lambda: refused(taken))
    assert not await refused(kept)
    assert await client.post("/auth/logout-all", headers=bearer(account))
    assert await eventually(lambda: refused(kept))
    fresh = await client.post("/auth/login", json={"username": username, "password": password})
    assert (await client.get("/auth/authorized-apps", headers=bearer(fresh.json()))).json() == []
    async with auth_app.state.sessionmaker() as session:
        rows = (await session.scalars(select(AppToken))).all()
    # Only hashes are stored: no row holds a token's value.
    assert all(row.token_hash != kept["access_token"].encode() for row in rows)


async def test_server_metadata(client):
    metadata = (await client.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["token_endpoint"].endswith("/oauth/token")
    assert "S256" in metadata["code_challenge_methods_supported"]
    assert {"read", "write:statuses", "follow"} <= set(metadata["scopes_supported"])
