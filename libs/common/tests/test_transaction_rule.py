"""The transaction rule, enforced: only `common.db`'s unit of work commits or rolls back.

Services and repositories flush; a request's `SessionDep` or a background job's
`transaction(...)` decides the outcome, so any service function composes into a larger
unit of work. `begin_nested()` (a savepoint) stays allowed: it undoes only its own part.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
UNIT_OF_WORK = ROOT / "libs/common/src/common/db.py"
# Calls that end or open a whole transaction, on a session or a connection.
FORBIDDEN = {"commit", "rollback", "begin"}


def product_sources() -> list[Path]:
    roots = [ROOT / "gateway/src", *ROOT.glob("services/*/src"), *ROOT.glob("libs/*/src")]
    return [
        path
        for root in roots
        for path in root.rglob("*.py")
        # Alembic's env.py runs migrations in transactions of its own making.
        if "migrations" not in path.parts and path != UNIT_OF_WORK
    ]


def test_nothing_but_the_unit_of_work_commits_or_rolls_back():
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno} .{node.func.attr}()"
        for path in product_sources()
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in FORBIDDEN
    ]
    assert product_sources(), "no sources found: the test would prove nothing"
    assert found == [], "use common.db.transaction / SessionDep and on_commit instead"
