"""The package layout is the architecture (docs/architecture.md): no import circles, no flat row.

Read from the source with `ast` (nothing imported), type-only imports included: a circle hidden
behind `TYPE_CHECKING` or a function-level import is still a circle in the design.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "aemo_wh"
# Shared basics every stage uses; everything else lives in a stage package.
TOP_LEVEL = {"__init__", "cli", "config", "errors", "fuels", "log", "nemtime", "views"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    return ".".join(rel.parts).removesuffix(".__init__")


def _import_graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    names = {_module_name(p) for p in files}
    graph: dict[str, set[str]] = {}
    for p in files:
        me = _module_name(p)
        deps: set[str] = set()
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("aemo_wh"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    deps.add(full if full in names else node.module)
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("aemo_wh")}
        graph[me] = {d for d in deps if d in names and d != me and not me.startswith(d + ".")}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                found.append(stack[stack.index(dep) :] + [dep])
            elif dep not in state:
                visit(dep, stack + [dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_no_import_circles_in_aemo_wh() -> None:
    graph = _import_graph()
    assert "aemo_wh.warehouse.writer" in graph  # the scan saw the package
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_top_of_the_package_holds_only_shared_basics() -> None:
    flat = {p.stem for p in PACKAGE.glob("*.py")}
    assert flat - TOP_LEVEL == set(), "a new module belongs in its stage package (nemweb/, ingest/, ...)"
