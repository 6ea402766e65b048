"""Passkeys with a software authenticator: register while signed in, sign in with no
password (and no TOTP code), sign counts, single-use challenges, list and remove."""

import httpx
import pytest

from tests.support.authenticators import AuthenticatorApp, SoftPasskey, b64url

FRONTEND = "http://frontend.test"  # the test settings' FRONTEND_URL: origin and RP id


def passkey() -> SoftPasskey:
    return SoftPasskey(FRONTEND, "frontend.test")


async def register(
    client: httpx.AsyncClient, headers: dict[str, str], key: SoftPasskey, name: str | None = None
) -> httpx.Response:
    started = (await client.post("/auth/passkeys/register/options", headers=headers)).json()
    body = {"challenge_id": started["challenge_id"], "credential": key.create(started["options"])}
    if name:
        body["name"] = name
    return await client.post("/auth/passkeys/register/verify", json=body, headers=headers)


async def sign_in(client: httpx.AsyncClient, key: SoftPasskey, **assertion) -> httpx.Response:
    started = (await client.post("/auth/passkeys/login/options")).json()
    credential = key.get(started["options"], **assertion)
    return await client.post(
        "/auth/passkeys/login/verify",
        json={"challenge_id": started["challenge_id"], "credential": credential},
        headers={"User-Agent": "passkey-test/1.0"},
    )


async def test_registration_options_ask_for_a_discoverable_credential(client, make_user, bearer):
    account = await make_user()
    key = passkey()
    assert (await register(client, bearer(account), key)).status_code == 201
    options = (
        await client.post("/auth/passkeys/register/options", headers=bearer(account))
    ).json()["options"]
    assert options["rp"] == {"id": "frontend.test", "name": "Photogram"}
    assert options["user"]["name"] == account["user"]["username"]
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    # The passkey this account has is excluded: the authenticator won't make a second.
    assert [c["id"] for c in options["excludeCredentials"]] == [b64url(key.credential_id)]


async def test_register_then_sign_in_with_no_password(client, make_user, bearer):
    account = await make_user()
    key = passkey()
    created = await register(client, bearer(account), key, name="Laptop")
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Laptop" and created.json()["last_used_at"] is None

    options = (await client.post("/auth/passkeys/login/options")).json()["options"]
    assert not options.get("allowCredentials")  # discoverable: no account named
    signed_in = await sign_in(client, key)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["user"]["id"] == account["user"]["id"]
    assert "refresh_token" in signed_in.cookies
    listed = (await client.get("/auth/passkeys", headers=bearer(account))).json()
    assert [(p["name"], p["last_used_at"] is not None) for p in listed] == [("Laptop", True)]
    devices = (await client.get("/auth/sessions", headers=bearer(signed_in.json()))).json()
    assert [d["user_agent"] for d in devices if d["current"]] == ["passkey-test/1.0"]


async def test_a_challenge_works_once(client, make_user, bearer):
    account = await make_user()
    key = passkey()
    await register(client, bearer(account), key)
    started = (await client.post("/auth/passkeys/login/options")).json()
    body = {"challenge_id": started["challenge_id"], "credential": key.get(started["options"])}
    assert (await client.post("/auth/passkeys/login/verify", json=body)).status_code == 200
    replayed = await client.post("/auth/passkeys/login/verify", json=body)
    assert replayed.status_code == 401
    assert replayed.json()["error"]["code"] == "invalid_challenge"


async def test_a_sign_count_that_does_not_grow_is_refused(client, make_user, bearer):
    account = await make_user()
    key = passkey()
    await register(client, bearer(account), key)
    assert (await sign_in(client, key)).status_code == 200
    assert (await sign_in(client, key)).status_code == 200
    cloned = await sign_in(client, key, count=1)  # a copy of the key, behind the original
    assert cloned.status_code == 401
    assert cloned.json()["error"]["code"] == "invalid_passkey"


async def test_another_origin_or_key_is_refused(client, make_user, bearer):
    account = await make_user()
    phished = SoftPasskey("http://evil.test", "frontend.test")
    assert (await register(client, bearer(account), phished)).status_code == 400
    unknown = await sign_in(client, passkey())
    assert unknown.status_code == 401


@pytest.mark.parametrize(
    "credential",
    [{}, {"id": "x", "rawId": "x", "type": "public-key", "response": {"clientDataJSON": "!!"}}],
)
async def test_a_malformed_credential_is_refused_not_a_500(client, make_user, bearer, credential):
    account = await make_user()
    headers = bearer(account)
    started = (await client.post("/auth/passkeys/register/options", headers=headers)).json()
    registering = await client.post(
        "/auth/passkeys/register/verify",
        json={"challenge_id": started["challenge_id"], "credential": credential},
        headers=headers,
    )
    assert registering.status_code == 400
    started = (await client.post("/auth/passkeys/login/options")).json()
    signing_in = await client.post(
        "/auth/passkeys/login/verify",
        json={"challenge_id": started["challenge_id"], "credential": credential},
    )
    assert signing_in.status_code == 401


async def test_a_passkey_sign_in_needs_no_totp_code(client, make_user, bearer):
    account = await make_user()
    headers = bearer(account)
    secret = (await client.post("/auth/2fa/totp/setup", headers=headers)).json()["secret"]
    code = AuthenticatorApp(secret).code()
    assert (
        await client.post("/auth/2fa/totp/enable", json={"code": code}, headers=headers)
    ).status_code == 200
    key = passkey()
    await register(client, headers, key)
    signed_in = await sign_in(client, key)
    assert signed_in.status_code == 200
    assert signed_in.json()["user"]["mfa_enabled"] is True


async def test_a_removed_passkey_signs_in_no_more(client, make_user, bearer):
    account, other = await make_user(), await make_user()
    key = passkey()
    passkey_id = (await register(client, bearer(account), key)).json()["id"]
    foreign = await client.delete(f"/auth/passkeys/{passkey_id}", headers=bearer(other))
    assert foreign.status_code == 404
    removed = await client.delete(f"/auth/passkeys/{passkey_id}", headers=bearer(account))
    assert removed.status_code == 204
    assert (await client.get("/auth/passkeys", headers=bearer(account))).json() == []
    assert (await sign_in(client, key)).status_code == 401
