"""A platform of its own for fault tests: its own Postgres, Redis and S3 (never CI's or the
other tests' servers, which these tests kill), started by the same code as `stack up`, with
a fake Instagram of its own for the analysis the worker kill interrupts."""

from collections.abc import Iterator

import pytest

from stack.platform import Stack
from stack.settings import StackSettings
from tests.e2e.conftest import RELAXED_RATE_LIMITS, fast_instagram_settings
from tests.fakes.instagram import FakeInstagram


@pytest.fixture(scope="module")
def fault_instagram() -> Iterator[FakeInstagram]:
    fake = FakeInstagram().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def fault_stack(
    tmp_path_factory: pytest.TempPathFactory, fault_instagram: FakeInstagram
) -> Iterator[Stack]:
    settings = StackSettings(
        # Explicitly none: DATABASE_URL/REDIS_URL in CI name servers a test must not kill.
        database_url=None,
        redis_url=None,
        s3_endpoint=None,
        stack_dir=tmp_path_factory.mktemp("faults"),
        gateway_port=0,
        name_prefix="faults_",
        ready_timeout_seconds=240,
    )
    env = RELAXED_RATE_LIMITS | fast_instagram_settings(fault_instagram.url)
    stack = Stack(settings, extra_env=env)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
