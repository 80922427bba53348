"""The shape of the code: imports without cycles (also those hidden inside functions), the
dependency direction of DESIGN §2, readable sizes, and tool keys spelled only where a tool lives."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bookkeeping.tools import TOOLS

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("config", "invoicing", "bookkeeping", "notifications")
# The Celery task imports its service inside its body (STYLE §5): the one allowed cycle.
ALLOWED_EDGES = {("bookkeeping.tasks", "bookkeeping.sync")}
MAX_MODULE_LINES = 430  # "about 400" (STYLE §1)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of the module, but those under `if TYPE_CHECKING:` (never imported at run
    time: that is how annotations name a module without importing it)."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return [node for node in ast.walk(tree) if id(node) not in skipped]


def imports_of(path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules `path` imports, at the top or inside a function."""
    result = set()
    for node in runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                result.add(name)
                break
    return result


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(path, known) - {name} for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first walk (one path per cycle)."""
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(edges.get(node, ())):
            if (node, target) in ALLOWED_EDGES:
                continue
            if state.get(target) == "open":
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def test_the_import_graph_has_no_cycle():
    assert cycles(graph()) == []


def test_dependencies_point_one_way():
    edges = graph()
    wrong = [
        (source, target)
        for source, targets in edges.items()
        for target in targets
        if (source.startswith("invoicing") and target.startswith("bookkeeping"))
        or (source.startswith("notifications") and target.startswith(("bookkeeping", "invoicing")))
    ]
    assert wrong == []


def test_notifications_migrations_depend_on_nothing_of_the_other_apps():
    text = "".join(p.read_text() for p in (ROOT / "notifications" / "migrations").glob("0*.py"))
    assert '"bookkeeping"' not in text
    assert "'bookkeeping'" not in text


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_stay_readable(package):
    long = {
        str(path.relative_to(ROOT)): count
        for name, path in modules().items()
        if name.startswith(package)
        and (count := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_tool_key_is_spelled_outside_the_tools_own_code():
    keys = "|".join(re.escape(key) for key in TOOLS)
    spelled = re.compile(rf"""["']({keys})["']""")
    allowed = ("bookkeeping/connectors/", "bookkeeping/simulators/", "bookkeeping/tools.py")
    found = []
    for path in [*ROOT.glob("*/**/*.py"), *ROOT.glob("templates/**/*.html")]:
        relative = str(path.relative_to(ROOT))
        # bench/ measures each tool as the tests do: it is test tooling, not product code.
        if relative.startswith((*allowed, "tests/", "bench/", ".venv/", "var/")):
            continue
        if "migrations" in relative:
            continue
        found += [f"{relative}: {m.group(0)}" for m in spelled.finditer(path.read_text())]
    assert found == []
