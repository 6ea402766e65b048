"""The web app in a real browser (Debian's Chromium through Playwright), against a whole
platform started by the e2e `running_stack`, through its gateway.

One stack and one browser for the suite. The stack's FRONTEND_URL is its own gateway, as in
`uv run stack up`; its access tokens live 20 s so every flow also crosses silent refreshes;
Google is `oidc-provider-mock` (a real OIDC server), Kakao and Meta the project's fakes.
A failing test leaves a screenshot and the page's console log in test-results/.
"""

import re
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from oidc_provider_mock import User, run_server_in_thread
from playwright.sync_api import ConsoleMessage, Page, expect

from stack.platform import Stack
from stack.servers import Server
from tests.e2e.conftest import FAST_FEDERATION, PREFIX, drop_databases_now, stack_on
from tests.fakes.oauth_providers import OAuthFakes

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-results"
CHROMIUM = "/usr/bin/chromium"
ACCESS_TOKEN_SECONDS = 20
# Uploads above this reach media and are refused there (413), well under the gateway's cap.
MAX_UPLOAD_BYTES = 1024 * 1024
GOOGLE_USER = User(
    sub="google-ann",
    claims={"email": "ann.google@example.com", "email_verified": True, "name": "Ann Google"},
)
# Chromium logs every 4xx/5xx response as a console error; those the tests cause on purpose
# (a wrong password, a refused upload, no session on first load) are not the app's errors.
EXPECTED_HTTP_ERROR = re.compile(r"Failed to load resource: .* status of 4\d\d")


@pytest.fixture(scope="session")
def google() -> Iterator[str]:
    """oidc-provider-mock: its authorize page offers GOOGLE_USER as a one-click sign-in."""
    with run_server_in_thread(require_nonce=True, user_claims=[GOOGLE_USER]) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Playwright's sync API marks its event loop as running for as long as the browser lives
    # (the session), so the browser tests run after every asyncio test. Last, because
    # pytest's own fixture-scope reordering would otherwise undo the order.
    items.sort(key=lambda item: Path(__file__).parent in item.path.parents)


@pytest.fixture(scope="session")
def web(
    web_app: None,
    servers: dict[str, Server],
    fresh_database: Callable[[str], Awaitable[str]],
    oauth_providers: OAuthFakes,
    google: str,
    instagram_env: dict[str, str],
    ai_service_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    env = (
        oauth_providers.env()
        | instagram_env
        | ai_service_env
        # test_federation.py follows someone on a second stack on this machine.
        | FAST_FEDERATION
        | {
            "AUTH_GOOGLE_CLIENT_ID": "web-tests",
            "AUTH_GOOGLE_CLIENT_SECRET": "web-tests-secret",
            "AUTH_GOOGLE_DISCOVERY_URL": f"{google}/.well-known/openid-configuration",
            "AUTH_ACCESS_TOKEN_TTL_SECONDS": str(ACCESS_TOKEN_SECONDS),
            "MEDIA_MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES),
        }
    )
    prefix = f"{PREFIX}web_"
    stack = stack_on(
        servers,
        tmp_path_factory.mktemp("web-stack"),
        prefix=prefix,
        env=env,
        gateway_port=0,
        # It starts while the rest of the suite's stack runs: a loaded machine needs longer.
        ready_timeout_seconds=180,
    )
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
        drop_databases_now(fresh_database, prefix)


# Sign-up hashes a password with argon2id: on a busy 2-core machine that alone takes seconds.
expect.set_options(timeout=20_000)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(web: Stack) -> dict[str, Any]:
    return {"base_url": web.gateway_url, "viewport": {"width": 1280, "height": 900}}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    item.stash.setdefault(FAILED, False)
    if report.failed:
        item.stash[FAILED] = True
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def console(request: pytest.FixtureRequest, page: Page, web: Stack) -> Iterator[list[str]]:
    """The page's console; the test fails on an error the app logged. On failure, the
    screenshot and the console log go to test-results/<test>.png and .log."""
    lines: list[str] = []
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        lines.append(f"{message.type}: {message.text}")
        # Only the app's own pages count (a provider's sign-in page is not ours).
        ours = page.url.startswith(web.gateway_url)
        if ours and message.type == "error" and not EXPECTED_HTTP_ERROR.search(message.text):
            errors.append(message.text)

    page.set_default_timeout(20_000)
    page.on("console", record)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    yield lines
    if request.node.stash.get(FAILED, False):
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
        (ARTIFACTS / f"{name}.log").write_text("\n".join(lines))
    assert not errors, f"console errors: {errors}"
