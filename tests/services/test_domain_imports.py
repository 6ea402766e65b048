"""No two domain folders of a service import each other, directly or round a longer loop.

An arrow is "a module in folder A imports something from folder B" (`src/<service>/<A>/`,
`<B>/`), read from the source with `ast`, imports inside functions included; the modules
beside the folders (main, config, service-wide dependencies) are the frame, not a layer.
Tables live in `<service>/models/` (or with the one domain that owns them), so a
repository that joins another domain's table imports the model, not the domain; a domain
that needs another's rule calls its service, and only the higher of the two may. With the
arrows below taken out, each service's folders must form layers: no cycle.
"""

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from stack.platform import SERVICES as STACK_SERVICES

SERVICES = Path(__file__).parents[2] / "services"

# Arrows that run back up because a business rule needs them, each with the rule. Every
# one closes a loop on purpose; keep this list short.
ALLOWED_BACK_ARROWS: dict[str, set[tuple[str, str]]] = {
    "auth": {
        # Signing up signs in: POST /auth/register answers with the first session's
        # tokens, while sessions authenticate against users.
        ("users", "sessions"),
    },
}


def domain_arrows(service: str) -> dict[tuple[str, str], list[str]]:
    """(importing folder, imported folder) → the imports that draw the arrow."""
    root = SERVICES / service / "src" / service
    folders = {
        path.name
        for path in root.iterdir()
        if (path / "__init__.py").exists() and path.name != "migrations"
    }
    arrows: dict[tuple[str, str], list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        source = path.relative_to(root)
        if source.parts[0] not in folders:
            continue
        importer = source.parts[0]
        for imported in _imports(ast.parse(path.read_text())):
            parts = imported.split(".")
            if parts[0] == service and len(parts) > 1 and parts[1] in folders - {importer}:
                arrows.setdefault((importer, parts[1]), []).append(f"{source}: {imported}")
    return arrows


def _imports(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from social.posts import service` imports the folder `posts` as well.
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def find_cycle(arrows: set[tuple[str, str]]) -> list[str] | None:
    """One loop of folders (first folder repeated at the end), or None."""
    following: dict[str, set[str]] = {}
    for start, end in arrows:
        following.setdefault(start, set()).add(end)
    done: set[str] = set()

    def visit(folder: str, path: list[str]) -> list[str] | None:
        if folder in path:
            return [*path[path.index(folder) :], folder]
        if folder in done:
            return None
        for nxt in sorted(following.get(folder, ())):
            if cycle := visit(nxt, [*path, folder]):
                return cycle
        done.add(folder)
        return None

    for folder in sorted(following):
        if cycle := visit(folder, []):
            return cycle
    return None


@pytest.mark.parametrize("service", STACK_SERVICES)
def test_domain_folders_form_layers(service: str):
    arrows = domain_arrows(service)
    allowed = ALLOWED_BACK_ARROWS.get(service, set())
    assert allowed <= arrows.keys(), (
        f"allowed arrows no import draws any more: {allowed - arrows.keys()}"
    )
    cycle = find_cycle(arrows.keys() - allowed)
    if cycle:
        imports = [line for pair in itertools.pairwise(cycle) for line in arrows[pair]]
        pytest.fail(
            f"{service}'s folders import each other: {' → '.join(cycle)}\n" + "\n".join(imports)
        )


def test_the_check_sees_a_loop():
    assert find_cycle({("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")}) == ["a", "b", "c", "a"]
    assert find_cycle({("a", "b"), ("b", "c"), ("a", "c")}) is None
