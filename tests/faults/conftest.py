"""A platform of its own for fault tests: its own Postgres, Redis and S3 (never CI's or the
other tests' servers, which these tests kill), started by the same code as `stack up`."""

from collections.abc import Iterator

import pytest

from stack.platform import Stack
from stack.settings import StackSettings
from tests.e2e.conftest import RELAXED_RATE_LIMITS


@pytest.fixture(scope="module")
def fault_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
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
    stack = Stack(settings, extra_env=RELAXED_RATE_LIMITS)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
