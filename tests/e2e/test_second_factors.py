"""Second factors through the gateway: TOTP enrolment and the two-step sign-in (with a
password or a provider), replayed and guessed codes, recovery codes, turning TOTP off,
passkeys with a software authenticator; and that no TOTP secret, code, recovery code or
mfa_token is kept in clear or reaches a log.

The module's last test reads every process's log, so it must stay last.
"""

import uuid
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, quote

import httpx
import pytest

from stack.platform import Stack
from tests.e2e.accounts import PASSWORD, bearer, dump_database, register
from tests.fakes.oauth_providers import OAuthFakes, ProviderUser, browse
from tests.support.authenticators import AuthenticatorApp, SoftPasskey
from tests.support.polling import eventually

FRONTEND = "http://frontend.test"  # the e2e stack's FRONTEND_URL: the passkeys' origin
# Every second-factor secret the tests handle; none may show up in a log.
SEEN: list[str] = []


@pytest.fixture
async def browser(platform: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh browser: its own cookie jar, talking to the gateway and the providers."""
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as client:
        yield client


class Enrolled:
    """An account with TOTP on: its name, token headers, authenticator app, recovery codes."""

    def __init__(self, account: dict, app: AuthenticatorApp, codes: list[str]) -> None:
        self.user = account["user"]
        self.headers = bearer(account["access_token"])
        self.app = app
        self.recovery_codes = codes

    def code(self) -> str:
        code = self.app.code()
        SEEN.append(code)
        return code


async def enrol(client: httpx.AsyncClient, account: dict) -> Enrolled:
    headers = bearer(account["access_token"])
    setup = await client.post("/auth/2fa/totp/setup", headers=headers)
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    SEEN.append(secret)
    app = AuthenticatorApp(secret)
    code = app.code()
    enabled = await client.post("/auth/2fa/totp/enable", json={"code": code}, headers=headers)
    assert enabled.status_code == 200, enabled.text
    codes = enabled.json()["recovery_codes"]
    SEEN.extend(codes)
    return Enrolled(account, app, codes)


async def password_step(client: httpx.AsyncClient, username: str) -> str:
    """The first step: the right password, answered with mfa_required and its token."""
    response = await client.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error"]["code"] == "mfa_required"
    assert body["error"]["request_id"]
    assert "refresh_token" not in response.cookies
    SEEN.append(body["mfa_token"])
    return body["mfa_token"]


async def second_step(client: httpx.AsyncClient, mfa_token: str, **factor: str) -> httpx.Response:
    response = await client.post("/auth/login/mfa", json={"mfa_token": mfa_token, **factor})
    if response.status_code == 200:
        SEEN.append(response.json()["refresh_token"])
    return response


async def test_totp_sign_in_takes_a_code_once(gateway: httpx.AsyncClient):
    enrolled = await enrol(gateway, await register(gateway))
    me = await gateway.get("/auth/me", headers=enrolled.headers)
    assert me.json()["mfa_enabled"] is True

    username = enrolled.user["username"]
    code = enrolled.code()
    done = await second_step(gateway, await password_step(gateway, username), code=code)
    assert done.status_code == 200, done.text
    tokens = done.json()
    assert tokens["user"]["id"] == enrolled.user["id"]
    assert "HttpOnly" in done.headers["set-cookie"]
    assert (
        await gateway.get("/auth/me", headers=bearer(tokens["access_token"]))
    ).status_code == 200

    # The same code again, within its 30 seconds: refused.
    replayed = await second_step(gateway, await password_step(gateway, username), code=code)
    assert replayed.status_code == 401
    assert replayed.json()["error"]["code"] == "invalid_code"


async def test_five_wrong_codes_then_429_until_the_window_passes(gateway: httpx.AsyncClient):
    enrolled = await enrol(gateway, await register(gateway))
    mfa_token = await password_step(gateway, enrolled.user["username"])
    for _ in range(5):
        wrong = await second_step(gateway, mfa_token, code=enrolled.app.wrong_code())
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "invalid_code"
    # Even the right code is refused now (it is not checked, so not spent either).
    blocked = await second_step(gateway, mfa_token, code=enrolled.app.totp.now())
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1

    async def unblocked() -> bool:  # polling with wrong codes spends no right one
        response = await second_step(gateway, mfa_token, code=enrolled.app.wrong_code())
        return response.status_code != 429

    await eventually(unblocked, timeout=10, interval=0.5)  # the e2e window is 3 s
    done = await second_step(gateway, mfa_token, code=enrolled.code())
    assert done.status_code == 200, done.text


async def test_each_recovery_code_works_once_and_one_turns_totp_off(gateway: httpx.AsyncClient):
    enrolled = await enrol(gateway, await register(gateway))
    username = enrolled.user["username"]
    first, second, third = enrolled.recovery_codes[:3]
    done = await second_step(gateway, await password_step(gateway, username), recovery_code=first)
    assert done.status_code == 200, done.text
    again = await second_step(gateway, await password_step(gateway, username), recovery_code=first)
    assert again.status_code == 401

    # Typed without dashes and in capitals, the second one works as well.
    typed = second.replace("-", "").upper()
    done = await second_step(gateway, await password_step(gateway, username), recovery_code=typed)
    assert done.status_code == 200, done.text

    off = await gateway.request(
        "DELETE", "/auth/2fa/totp", json={"recovery_code": third}, headers=enrolled.headers
    )
    assert off.status_code == 204, off.text
    login = await gateway.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert login.status_code == 200
    SEEN.append(login.json()["refresh_token"])
    assert login.json()["user"]["mfa_enabled"] is False


async def test_a_provider_sign_in_asks_for_the_code_too(
    oauth_providers: OAuthFakes, platform: Stack
):
    oauth_providers.google.user = ProviderUser(
        subject=f"google-{uuid.uuid4().hex[:10]}",
        email=f"p{uuid.uuid4().hex[:10]}@example.com",
        name="Min Ji",
    )
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as first_browser:
        await browse(first_browser, "/auth/google/login", stop_at=FRONTEND)
        refreshed = await first_browser.post("/auth/refresh")
        assert refreshed.status_code == 200, refreshed.text
        account = refreshed.json()
        SEEN.append(account["refresh_token"])
        enrolled = await enrol(first_browser, account)

    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as second_browser:
        next_path = "/p/some-post?tab=1"
        landed = await browse(
            second_browser, f"/auth/google/login?next={quote(next_path, safe='')}", stop_at=FRONTEND
        )
        # The token rides in the fragment, which no browser sends to a server.
        assert (landed.path, landed.query) == ("/signin", b"")
        fragment = parse_qs(landed.fragment)
        assert fragment["next"] == [next_path]
        mfa_token = fragment["mfa_token"][0]
        SEEN.append(mfa_token)
        assert "refresh_token" not in second_browser.cookies
        assert (await second_browser.post("/auth/refresh")).status_code == 401

        done = await second_step(second_browser, mfa_token, code=enrolled.code())
        assert done.status_code == 200, done.text
        assert done.json()["user"]["id"] == enrolled.user["id"]
        # The cookie is set now, as after a password sign-in.
        assert (await second_browser.post("/auth/refresh")).status_code == 200


async def test_a_passkey_registers_and_signs_in_without_a_password(
    gateway: httpx.AsyncClient, browser: httpx.AsyncClient
):
    account = await register(gateway)
    headers = bearer(account["access_token"])
    key = SoftPasskey(FRONTEND, "frontend.test")
    started = (await gateway.post("/auth/passkeys/register/options", headers=headers)).json()
    created = await gateway.post(
        "/auth/passkeys/register/verify",
        json={
            "challenge_id": started["challenge_id"],
            "credential": key.create(started["options"]),
            "name": "Phone",
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    passkey = created.json()

    # Another browser, no username or password: the authenticator offers the passkey.
    options = (await browser.post("/auth/passkeys/login/options")).json()
    assert not options["options"].get("allowCredentials")
    assertion = key.get(options["options"])
    signed_in = await browser.post(
        "/auth/passkeys/login/verify",
        json={"challenge_id": options["challenge_id"], "credential": assertion},
    )
    assert signed_in.status_code == 200, signed_in.text
    SEEN.append(signed_in.json()["refresh_token"])
    assert signed_in.json()["user"]["id"] == account["user"]["id"]
    # The same answer again: its challenge is spent.
    replayed = await browser.post(
        "/auth/passkeys/login/verify",
        json={"challenge_id": options["challenge_id"], "credential": assertion},
    )
    assert replayed.status_code == 401

    listed = (await gateway.get("/auth/passkeys", headers=headers)).json()
    assert [(p["id"], p["name"]) for p in listed] == [(passkey["id"], "Phone")]
    assert listed[0]["last_used_at"] is not None
    removed = await gateway.delete(f"/auth/passkeys/{passkey['id']}", headers=headers)
    assert removed.status_code == 204
    options = (await browser.post("/auth/passkeys/login/options")).json()
    refused = await browser.post(
        "/auth/passkeys/login/verify",
        json={"challenge_id": options["challenge_id"], "credential": key.get(options["options"])},
    )
    assert refused.status_code == 401


async def test_totp_secrets_and_recovery_codes_are_kept_only_sealed_or_hashed(
    gateway: httpx.AsyncClient, platform: Stack
):
    enrolled = await enrol(gateway, await register(gateway))
    secret = enrolled.app.totp.secret
    dump = await dump_database(platform.database_url("auth"))
    assert enrolled.user["id"] in dump  # the dump does hold this account's rows
    # bytea columns print as hex: the secret is in neither form.
    assert secret not in dump and secret.encode().hex() not in dump
    for code in enrolled.recovery_codes:
        for form in (code, code.replace("-", "")):
            assert form not in dump and form.encode().hex() not in dump


async def test_zz_no_second_factor_secret_reached_any_log(platform: Stack):
    """Runs last: every TOTP secret, code, recovery code and mfa_token used above."""
    logs = {path.name: path.read_text() for path in (platform.dir / "logs").iterdir()}
    assert logs, "no logs were captured"
    # Six digits may turn up by chance (a duration, an id); the long secrets may not.
    long_ones = [secret for secret in SEEN if len(secret) > 6]
    assert len(long_ones) > 20
    for name, text in logs.items():
        leaked = [secret[:4] + "…" for secret in long_ones if secret in text]
        assert not leaked, f"{name} contains second-factor secrets: {leaked}"
    codes = [code for code in SEEN if len(code) == 6]
    assert codes
    for name, text in logs.items():
        # A code in a log line would sit in a field or a URL: quoted, or after = or /.
        leaked = [
            c for c in codes if any(f"{c}{end}" in text for end in ('"', "&")) or f"={c}" in text
        ]
        assert not leaked, f"{name} contains TOTP codes: {leaked}"
