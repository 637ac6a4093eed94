"""Draws the layers of dailypapers as a Mermaid graph in docs/architecture.md, from the imports themselves.

One node per top-level package or module of src/dailypapers; an arrow A --> B means A imports B. Arrows implied
by others (A --> B --> C makes A --> C redundant) are left out, so the picture shows the layering, not every import.
tests/unit/test_architecture.py fails when the picture in the docs is not what this script draws.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "dailypapers"
DOC = ROOT / "docs" / "architecture.md"
START, END = "<!-- layers:start -->", "<!-- layers:end -->"
SKIP = {"__init__", "migrations"}  # the package marker; Alembic's scripts are run by the migrate command


def unit_of(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def unit_graph() -> dict[str, set[str]]:
    """Which top-level unit imports which (imports under TYPE_CHECKING count too)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        unit = unit_of(path)
        if unit in SKIP:
            continue
        edges = graph.setdefault(unit, set())
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                parts = name.split(".")
                if parts[0] == "dailypapers" and len(parts) > 1 and parts[1] not in SKIP and parts[1] != unit:
                    edges.add(parts[1])
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
    return seen


def reduced(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The transitive reduction (the graph has no circles: the architecture test makes sure)."""
    return {
        unit: {b for b in targets if not any(b in reachable(graph, other) for other in targets - {b})}
        for unit, targets in graph.items()
    }


def picture() -> str:
    lines = ["```mermaid", "flowchart TD"]
    for unit, targets in sorted(reduced(unit_graph()).items()):
        lines += [f"    {unit} --> {target}" for target in sorted(targets)]
    lines.append("```")
    return "\n".join(lines)


def main() -> None:
    text = DOC.read_text()
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    DOC.write_text(pattern.sub(lambda _: f"{START}\n{picture()}\n{END}", text))


if __name__ == "__main__":
    main()
