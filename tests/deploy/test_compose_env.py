"""Every setting in .env.example reaches its service under compose, and nothing else does.

Each key `.env.example` sets is given a unique value in a throwaway env file and looked for
in what `docker compose config` would start; each key it only documents (commented, wired
by compose itself) must be in a service's environment; every variable compose gives a
service, and every setting a service reads, must be in `.env.example`.
"""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.settings import READS, env_names

ROOT = Path(__file__).resolve().parents[2]
ACTIVE = re.compile(r"^([A-Z][A-Z0-9_]*)=", re.M)
DOCUMENTED = re.compile(r"^# ([A-Z][A-Z0-9_]*)=", re.M)
# Values no default in docker-compose.yml contains; numbers, so ports stay valid.
FIRST_SENTINEL = 47100


def env_example() -> tuple[list[str], set[str]]:
    text = (ROOT / ".env.example").read_text()
    return ACTIVE.findall(text), set(DOCUMENTED.findall(text))


def compose_command() -> list[str]:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    if v1 := shutil.which("docker-compose"):
        return [v1]
    pytest.skip("neither `docker compose` nor `docker-compose` is installed")


def compose_config(env_file: Path) -> dict[str, Any]:
    argv = [*compose_command(), "-f", str(ROOT / "docker-compose.yml")]
    argv += ["--env-file", str(env_file), "config"]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=True)
    return yaml.safe_load(done.stdout)["services"]


def service_of(key: str) -> str | None:
    """The service a prefixed key belongs to (igscraper's also reach its worker)."""
    prefix = key.split("_", 1)[0].lower()
    return prefix if prefix in READS else None


@pytest.fixture(scope="module")
def services(tmp_path_factory) -> dict[str, Any]:
    active, _ = env_example()
    env_file = tmp_path_factory.mktemp("compose") / ".env"
    env_file.write_text("".join(f"{key}={FIRST_SENTINEL + i}\n" for i, key in enumerate(active)))
    return compose_config(env_file)


def where(services: dict[str, Any], value: str) -> set[str]:
    """The services whose environment or published ports contain `value` as a number."""
    pattern = re.compile(rf"(?<![0-9]){value}(?![0-9])")
    return {
        name
        for name, service in services.items()
        if pattern.search(str(service.get("environment", {})) + str(service.get("ports", [])))
    }


def test_every_key_env_example_sets_reaches_its_service(services):
    active, _ = env_example()
    missing = {}
    for i, key in enumerate(active):
        reached = where(services, str(FIRST_SENTINEL + i))
        owner = service_of(key)
        if not reached or (owner is not None and owner not in reached):
            missing[key] = sorted(reached)
    assert not missing, f"set in .env.example but not passed to its service: {missing}"


def test_every_key_env_example_documents_is_wired_by_compose(services):
    _, documented = env_example()
    wired = {key for service in services.values() for key in service.get("environment", {})}
    assert documented - wired == set(), "documented as wired by compose, but it is not"


def test_every_variable_compose_gives_a_service_is_in_env_example(services):
    active, documented = env_example()
    given = {
        key
        for service in services.values()
        if "build" in service
        for key in service.get("environment", {})
    }
    assert given - set(active) - documented == set()


@pytest.mark.parametrize("service", sorted(READS))
def test_compose_passes_every_setting_its_service_reads(services, service):
    active, documented = env_example()
    reads = env_names(READS[service])
    assert reads - set(services[service].get("environment", {})) == set()
    assert reads - set(active) - documented == set(), "undocumented in .env.example"
