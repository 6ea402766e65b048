"""The repository's documentation: docs/api.md is current."""

import importlib.util
import re
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
DOCUMENTS = ("architecture.md", "api.md", "operations.md", "development.md")
# [text](target) in Markdown, the target without a #fragment.
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_generate_api", DOCS / "generate_api.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _markdown() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def test_api_md_is_generated_from_the_current_openapi():
    generator = _generator()
    fresh = generator.generate()
    committed = generator.API_MD.read_text() if generator.API_MD.exists() else ""
    assert committed == fresh, f"docs/api.md is stale: run `{generator.COMMAND}`"
