"""No committed file names a container registry, and the Dockerfile's uv is pinned exactly.

No registry is reachable where the platform is built and checked (deploy/compose-check
stands in for every base image under its short name), so images are named the short way
(`python:3.11-slim`) and tools come from package indexes: the Dockerfile takes uv from
its wheel on PyPI, at the one version its `ARG UV_VERSION` pins.
"""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The hosts of GitHub's, Quay's, Google's, Amazon's public and Microsoft's registries and
# Docker Hub's. Docker Hub's bare host is also Debian's Docker package, so it counts only
# as part of an image name or URL (followed by / or :port). The dots are escaped, so this
# file names none of them.
REGISTRY_HOST = re.compile(
    r"(?<![\w-])(?:ghcr\.io|quay\.io|gcr\.io|registry-1\.docker\.io|public\.ecr\.aws"
    r"|mcr\.microsoft\.com|docker\.io(?=[/:]))(?![\w-])",
    re.IGNORECASE,
)
# Written by uv, not by us: its sources are package indexes.
NOT_OURS = {"uv.lock"}


def committed_files() -> list[Path]:
    done = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.skip("not a git checkout")
    return [ROOT / name for name in done.stdout.split("\0") if name and name not in NOT_OURS]


def test_no_committed_file_names_a_container_registry():
    named = []
    for path in committed_files():
        if not path.is_file():  # deleted in the working tree, not yet committed
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        for match in REGISTRY_HOST.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            named.append(f"{path.relative_to(ROOT)}:{line}: {match.group()}")
    assert not named, "container registry hosts in committed files:\n" + "\n".join(named)


def test_the_dockerfile_pins_the_exact_uv_it_installs():
    dockerfile = (ROOT / "Dockerfile").read_text()
    pins = re.findall(r"^ARG UV_VERSION=(\S*)$", dockerfile, re.M)
    assert len(pins) == 1 and re.fullmatch(r"\d+\.\d+\.\d+", pins[0]), pins
    # Every stage that has uv has it from the stage that fetched and checked it.
    copies = re.findall(r"^COPY --from=(\S+) \S*/uv\b", dockerfile, re.M)
    assert copies and set(copies) == {"uv"}, copies
