"""TOTP with recovery codes: enrolment, the second step of a sign-in, replays, throttling,
turning it off, provider sign-ins, and what the tables keep."""

import hashlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx
import pytest
from sqlalchemy import text

from tests.fakes.oauth_providers import ProviderUser, browse
from tests.support.authenticators import AuthenticatorApp

FRONTEND = "http://frontend.test"


async def enrol(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> tuple[AuthenticatorApp, list[str]]:
    """TOTP on for the account behind `headers`: its app and its recovery codes."""
    setup = await client.post("/auth/2fa/totp/setup", headers=headers)
    assert setup.status_code == 200, setup.text
    app = AuthenticatorApp(setup.json()["secret"])
    enabled = await client.post("/auth/2fa/totp/enable", json={"code": app.code()}, headers=headers)
    assert enabled.status_code == 200, enabled.text
    return app, enabled.json()["recovery_codes"]


async def first_step(client: httpx.AsyncClient, username: str, password: str) -> str:
    response = await client.post("/auth/login", json={"username": username, "password": password})
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error"]["code"] == "mfa_required"
    assert "refresh_token" not in response.cookies
    return body["mfa_token"]


@pytest.fixture
async def enrolled(client, make_user, bearer) -> dict[str, Any]:
    account = await make_user()
    app, codes = await enrol(client, bearer(account))
    return {"user": account["user"], "headers": bearer(account), "app": app, "codes": codes}


async def test_setup_gives_a_secret_and_an_otpauth_uri_for_the_account(client, make_user, bearer):
    account = await make_user()
    setup = (await client.post("/auth/2fa/totp/setup", headers=bearer(account))).json()
    uri = unquote(setup["otpauth_uri"])
    assert uri.startswith(f"otpauth://totp/Photogram:{account['user']['username']}?")
    assert f"secret={setup['secret']}" in uri and "issuer=Photogram" in uri
    me = await client.get("/auth/me", headers=bearer(account))
    assert me.json()["mfa_enabled"] is False  # pending until a code enables it


async def test_enable_needs_a_right_code_and_gives_ten_recovery_codes(client, make_user, bearer):
    account = await make_user()
    headers = bearer(account)
    assert (
        await client.post("/auth/2fa/totp/enable", json={"code": "123456"}, headers=headers)
    ).json()["error"]["code"] == "totp_not_set_up"
    app = AuthenticatorApp(
        (await client.post("/auth/2fa/totp/setup", headers=headers)).json()["secret"]
    )
    wrong = await client.post(
        "/auth/2fa/totp/enable", json={"code": app.wrong_code()}, headers=headers
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "invalid_code"
    enabled = await client.post("/auth/2fa/totp/enable", json={"code": app.code()}, headers=headers)
    codes = enabled.json()["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    assert (await client.get("/auth/me", headers=headers)).json()["mfa_enabled"] is True
    again = await client.post("/auth/2fa/totp/setup", headers=headers)
    assert again.status_code == 409


async def test_a_password_sign_in_then_needs_a_code_once(client, enrolled, password):
    username = enrolled["user"]["username"]
    token = await first_step(client, username, password)
    code = enrolled["app"].code()
    done = await client.post("/auth/login/mfa", json={"mfa_token": token, "code": code})
    assert done.status_code == 200, done.text
    assert done.json()["user"]["id"] == enrolled["user"]["id"]
    assert done.json()["user"]["mfa_enabled"] is True
    assert "refresh_token" in done.cookies
    # The token is spent, and the code too, even within its window.
    spent = await client.post("/auth/login/mfa", json={"mfa_token": token, "code": code})
    assert spent.json()["error"]["code"] == "invalid_mfa_token"
    replay = await client.post(
        "/auth/login/mfa",
        json={"mfa_token": await first_step(client, username, password), "code": code},
    )
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "invalid_code"


async def test_the_second_step_names_its_device(client, enrolled, password):
    token = await first_step(client, enrolled["user"]["username"], password)
    done = await client.post(
        "/auth/login/mfa",
        json={"mfa_token": token, "code": enrolled["app"].code()},
        headers={"User-Agent": "Phone/1.0"},
    )
    headers = {"Authorization": f"Bearer {done.json()['access_token']}"}
    devices = (await client.get("/auth/sessions", headers=headers)).json()
    assert [d["user_agent"] for d in devices if d["current"]] == ["Phone/1.0"]


async def test_a_mistyped_code_can_be_retried_with_the_same_token(client, enrolled, password):
    token = await first_step(client, enrolled["user"]["username"], password)
    wrong = await client.post(
        "/auth/login/mfa", json={"mfa_token": token, "code": enrolled["app"].wrong_code()}
    )
    assert wrong.status_code == 401
    right = await client.post(
        "/auth/login/mfa", json={"mfa_token": token, "code": enrolled["app"].code()}
    )
    assert right.status_code == 200


async def test_each_recovery_code_works_once(client, enrolled, password):
    username = enrolled["user"]["username"]
    first, second = enrolled["codes"][:2]
    for code in (first, second.upper().replace("-", " ")):  # as typed, or retyped
        token = await first_step(client, username, password)
        done = await client.post(
            "/auth/login/mfa", json={"mfa_token": token, "recovery_code": code}
        )
        assert done.status_code == 200, done.text
    token = await first_step(client, username, password)
    again = await client.post("/auth/login/mfa", json={"mfa_token": token, "recovery_code": first})
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "invalid_code"


async def test_five_wrong_codes_then_429(client, enrolled, password):
    token = await first_step(client, enrolled["user"]["username"], password)
    for _ in range(5):
        wrong = await client.post(
            "/auth/login/mfa", json={"mfa_token": token, "code": enrolled["app"].wrong_code()}
        )
        assert wrong.status_code == 401
    blocked = await client.post(
        "/auth/login/mfa", json={"mfa_token": token, "code": enrolled["app"].code()}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1


@pytest.mark.parametrize(
    "body",
    [{}, {"code": "123456", "recovery_code": "abcd-efgh-ijkl-mnop"}, {"code": "12345"}],
)
async def test_exactly_one_well_formed_factor_or_422(client, body):
    response = await client.post("/auth/login/mfa", json={"mfa_token": "x", **body})
    assert response.status_code == 422


async def test_an_unknown_mfa_token_is_401(client):
    response = await client.post("/auth/login/mfa", json={"mfa_token": "nope", "code": "123456"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_mfa_token"


async def test_turning_it_off_takes_a_code_or_a_recovery_code(client, enrolled, password):
    headers = enrolled["headers"]
    wrong = await client.request(
        "DELETE", "/auth/2fa/totp", json={"code": enrolled["app"].wrong_code()}, headers=headers
    )
    assert wrong.status_code == 400
    off = await client.request(
        "DELETE", "/auth/2fa/totp", json={"recovery_code": enrolled["codes"][0]}, headers=headers
    )
    assert off.status_code == 204, off.text
    assert (await client.get("/auth/me", headers=headers)).json()["mfa_enabled"] is False
    login = await client.post(
        "/auth/login", json={"username": enrolled["user"]["username"], "password": password}
    )
    assert login.status_code == 200
    again = await client.request(
        "DELETE", "/auth/2fa/totp", json={"code": "123456"}, headers=headers
    )
    assert again.status_code == 409


async def test_the_secret_is_stored_encrypted_and_the_codes_hashed(client, enrolled, auth_app):
    user_id = enrolled["user"]["id"]
    secret = enrolled["app"].totp.secret
    async with auth_app.state.sessionmaker() as session:
        sealed = await session.scalar(
            text("SELECT secret_sealed FROM totp_credential WHERE user_id = :id"), {"id": user_id}
        )
        hashes = set(
            await session.scalars(
                text("SELECT code_hash FROM recovery_code WHERE user_id = :id"), {"id": user_id}
            )
        )
    assert secret.encode() not in sealed
    assert auth_app.state.secret_box.decrypt(sealed) == secret
    normalised = [code.replace("-", "").encode() for code in enrolled["codes"]]
    assert hashes == {hashlib.sha256(code).digest() for code in normalised}
    assert not any(code in bytes(h) for h in hashes for code in normalised)


@pytest.fixture
async def second_browser(auth_app) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser, with a cookie jar of its own."""
    mounts = {"http://test": httpx.ASGITransport(app=auth_app)}
    async with httpx.AsyncClient(mounts=mounts, base_url="http://test") as client:
        yield client


async def test_a_provider_sign_in_asks_for_the_code_too(
    client, second_browser, oauth_fakes, unique
):
    oauth_fakes.kakao.user = ProviderUser(
        subject=str(abs(hash(unique())) % 10**12), email=None, name="Min"
    )
    await browse(client, "/auth/kakao/login", stop_at=FRONTEND)
    tokens = (await client.post("/auth/refresh")).json()
    app, _ = await enrol(client, {"Authorization": f"Bearer {tokens['access_token']}"})

    landed = await browse(second_browser, "/auth/kakao/login?next=/p/1", stop_at=FRONTEND)
    assert (landed.path, landed.query) == ("/signin", b"")
    fragment = parse_qs(landed.fragment)
    assert fragment["next"] == ["/p/1"]
    assert "refresh_token" not in second_browser.cookies
    done = await second_browser.post(
        "/auth/login/mfa", json={"mfa_token": fragment["mfa_token"][0], "code": app.code()}
    )
    assert done.status_code == 200, done.text
    assert done.json()["user"]["id"] == tokens["user"]["id"]


async def test_a_signed_in_browser_links_a_provider_without_a_code(
    client, make_user, bearer, oauth_fakes, unique
):
    account = await make_user()  # this browser holds the account's refresh cookie
    await enrol(client, bearer(account))
    oauth_fakes.kakao.user = ProviderUser(
        subject=str(abs(hash(unique())) % 10**12), email=None, name="Min"
    )
    landed = await browse(client, "/auth/kakao/login?next=/settings", stop_at=FRONTEND)
    assert str(landed) == f"{FRONTEND}/settings"
    me = await client.get("/auth/me", headers=bearer(account))
    assert me.json()["identities"] == ["kakao"]
