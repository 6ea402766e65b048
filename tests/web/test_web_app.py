"""The web app's own checks, so `uv run pytest` runs them: generated API types current,
svelte-check clean, Vitest unit tests passing, first-load JavaScript within budget."""

import re
import subprocess
import sys

from stack import web


def installed() -> None:
    """node_modules and a current build, as `stack up` and the e2e tests make them."""
    if web.stale():
        web.build()


def test_generated_api_types_match_the_gateways_openapi():
    installed()
    result = subprocess.run(
        [sys.executable, str(web.WEB / "scripts" / "api_types.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_vitest_unit_tests_pass():
    installed()
    web.npm("run", "test")


def test_the_app_type_checks():
    installed()
    web.npm("run", "check")


def test_first_load_javascript_is_within_budget():
    installed()
    output = web.npm("run", "build")
    found = re.search(r"first-load JavaScript: ([\d.]+) KB gzipped", output)
    assert found, output
    assert float(found.group(1)) <= 150
