"""The repository's documentation: docs/api.md is current, README.md stays a short front
door, and every link in them leads to a file of this repository."""

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


def test_docs_holds_the_four_documents():
    missing = [name for name in DOCUMENTS if not (DOCS / name).is_file()]
    assert not missing, f"docs/ lacks {missing}"


def test_readme_is_a_short_front_door():
    lines = README.read_text().splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines; keep it at 150 or fewer"
    paragraphs, current = [], 0
    in_code = False
    for line in lines:
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.strip() or line.startswith(("|", "#", "```")):
            paragraphs.append(current)
            current = 0
        elif re.match(r"(- |\* |\d+\. )", line):  # a list item starts a block of its own
            paragraphs.append(current)
            current = 1
        else:
            current += 1
    paragraphs.append(current)
    assert max(paragraphs) <= 8, "a README paragraph runs over 8 lines: move it into docs/"


def test_links_lead_to_files_of_the_repository():
    broken = []
    for document in _markdown():
        for target in LINK.findall(document.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (document.parent / target).resolve().exists():
                broken.append(f"{document.relative_to(ROOT)}: {target}")
    assert not broken, f"links to missing files: {broken}"


def _anchors(document: Path) -> set[str]:
    """GitHub's anchors for a Markdown file's headings."""
    anchors = set()
    for line in document.read_text().splitlines():
        if match := re.match(r"#{1,6} (.+)", line):
            text = match.group(1).strip().lower()
            anchors.add("".join(c for c in text if c.isalnum() or c in " -_").replace(" ", "-"))
    return anchors


def test_links_to_a_heading_find_it():
    broken = []
    for document in _markdown():
        for target, anchor in re.findall(r"\]\(([^)#\s]*)#([^)\s]+)\)", document.read_text()):
            linked = (document.parent / target).resolve() if target else document
            if linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{document.relative_to(ROOT)}: {target}#{anchor}")
    assert not broken, f"links to missing headings: {broken}"


def test_nothing_points_outside_the_repository():
    # A clone has only the repository: no ../shared or other sibling folders.
    outside = [
        str(document.relative_to(ROOT))
        for document in _markdown()
        if "../shared" in document.read_text()
    ]
    assert not outside, f"{outside} point outside the repository"
