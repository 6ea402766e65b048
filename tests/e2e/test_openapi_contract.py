"""The merged OpenAPI tells the truth: schemathesis, through the gateway, as a signed-in user.

Every check schemathesis has runs on every response (no server error, every status and
content type documented, bodies and headers matching their schemas, valid input accepted,
invalid input refused, auth enforced where declared, a correct `Allow` on 405), first per
operation (examples, coverage and fuzzing), then as stateful sequences that follow the
links it infers from ids in responses. Derandomized, so a CI failure replays the same way.
"""

import uuid
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import Case
from schemathesis.auths import AuthContext

from stack.platform import Stack
from tests.e2e.accounts import CREDENTIALS, PASSWORD

CONFIG = Path(__file__).with_name("schemathesis.toml")
GENERATED_REQUESTS = {"count": 0}
MIN_REQUESTS = 1000
# Longer than the gateway's own upstream timeouts: a slow answer comes back as the gateway's
# documented 504, never as a client-side timeout.
UPSTREAM_PATIENCE = 130

# Reproducible and bounded: the same examples every run, no per-example deadline on a
# shared 2-core machine.
CONTRACT_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# Call sequences in the stateful phase, each of up to 6 steps.
STATEFUL_SEQUENCES = 30


class RegisteredUser:
    """A fresh account every few hundred calls, so a test that ends its session or its
    account (logout-all, account deletion) costs the rest of the run nothing."""

    gateway_url: str

    def get(self, case: Case, ctx: AuthContext) -> str:
        name = f"st{uuid.uuid4().hex[:12]}"
        response = httpx.post(
            f"{self.gateway_url}/auth/register",
            json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
            timeout=UPSTREAM_PATIENCE,
        )
        response.raise_for_status()
        body = response.json()
        CREDENTIALS.append(body["refresh_token"])
        return body["access_token"]

    def set(self, case: Case, data: str, ctx: AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(scope="session")
def contract_schema(platform: Stack) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_url(
        f"{platform.gateway_url}/openapi.json", config=schemathesis.Config.from_path(CONFIG)
    )
    schema.config.update(base_url=platform.gateway_url)

    class OnThisPlatform(RegisteredUser):
        gateway_url = platform.gateway_url

    # A 401 is an answer to check (a wrong password, a spent token), not a cue to sign in again.
    schema.auth(refresh_interval=200, retry_on=[])(OnThisPlatform)
    return schema


schema = schemathesis.pytest.from_fixture("contract_schema")


def as_its_clients_ask(case: Case) -> None:
    """Federation's documents share /users paths with social's API; the gateway routes by
    `Accept` (docs/api.md), so they are asked for as a fediverse server asks for them."""
    if "federation" in (case.operation.tags or []):
        case.headers = {**(case.headers or {}), "Accept": "application/activity+json"}


# Every operation runs inside this one pytest item (as subtests), so the suite's 300 s per
# test is too short for the lot on a busy machine.
@pytest.mark.timeout(900)
@schema.parametrize()
@CONTRACT_SETTINGS
def test_every_operation_answers_as_documented(case: Case) -> None:
    GENERATED_REQUESTS["count"] += 1
    as_its_clients_ask(case)
    case.call_and_validate(timeout=UPSTREAM_PATIENCE)


@pytest.mark.timeout(900)
def test_call_sequences_answer_as_documented(contract_schema: schemathesis.BaseSchema) -> None:
    class Workflow(contract_schema.as_state_machine()):  # type: ignore[misc]
        def call(self, case: Case, **kwargs):  # type: ignore[no-untyped-def]
            GENERATED_REQUESTS["count"] += 1
            as_its_clients_ask(case)
            return super().call(case, timeout=UPSTREAM_PATIENCE, **kwargs)

    # Random, not derandomized, and each sequence its own Hypothesis run: which calls a
    # sequence can make depends on what the server answered, so Hypothesis, which replays
    # earlier choices within one run (to shrink, and while exploring), sees the server's
    # changed state as an inconsistent strategy (FlakyStrategyDefinition). A failure is
    # reported unshrunk, with the calls that led to it.
    for _ in range(STATEFUL_SEQUENCES):
        Workflow.run(
            settings=settings(
                CONTRACT_SETTINGS,
                derandomize=False,
                max_examples=1,
                phases=[Phase.generate],
                stateful_step_count=6,
            )
        )


def test_enough_requests_were_generated() -> None:
    print(f"schemathesis sent {GENERATED_REQUESTS['count']} generated requests")
    assert GENERATED_REQUESTS["count"] >= MIN_REQUESTS, GENERATED_REQUESTS
