"""Layering contract: the domain imports no framework and no adapter; adapters never import the web layer."""

from __future__ import annotations

import ast
import runpy
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "dailypapers"
DOMAIN = sorted(path.stem for path in PACKAGE.joinpath("domain").glob("*.py") if path.stem != "__init__")
ENTRY_AND_WIRING = {"__init__", "cli", "worker", "hub", "wiring", "settings"}
FORBIDDEN_IN_DOMAIN = (
    "sqlalchemy",
    "alembic",
    "httpx",
    "fastapi",
    "starlette",
    "jinja2",
    "typer",
    "uvicorn",
    "dailypapers.adapters",
    "dailypapers.web",
    "dailypapers.hub",
    "dailypapers.wiring",
    "dailypapers.ports",
    "dailypapers.search",
    "dailypapers.pgsearch",
    "dailypapers.usecases",
    "dailypapers.settings",
    "tantivy",
    "faiss",
)


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_domain_is_one_package() -> None:
    loose = {path.stem for path in PACKAGE.glob("*.py")} - ENTRY_AND_WIRING
    assert not loose, f"modules loose at the package root: {loose} (domain code belongs in dailypapers/domain/)"


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_modules_stay_pure(module: str) -> None:
    bad = {m for m in imported_modules(PACKAGE / "domain" / f"{module}.py") if m.startswith(FORBIDDEN_IN_DOMAIN)}
    assert not bad, f"dailypapers.domain.{module} imports {bad}"


def module_graph() -> dict[str, set[str]]:
    """Which dailypapers module imports which (TYPE_CHECKING imports included: they are a circle too)."""
    paths = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                # `from pkg import mod` imports the module pkg.mod, not only pkg
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            graph[name].update(t for t in targets if t in paths and t != name)
    return graph


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    return circles


def test_no_import_circles() -> None:
    assert import_circles(module_graph()) == []


def test_the_circle_check_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_circles(graph) == [["a", "b", "c"]]


def test_layers_point_one_way() -> None:
    """Ports and the domain know nothing of the engines, use cases or entry points that build on them."""
    above_ports = ["search", "pgsearch", "adapters", "usecases", "web", "hub", "wiring", "cli", "worker"]
    below: dict[str, list[str]] = {"domain": ["ports", *above_ports], "ports": above_ports}
    for layer, forbidden in below.items():
        for path in PACKAGE.joinpath(layer).rglob("*.py"):
            bad = {m for m in imported_modules(path) if m.startswith(tuple(f"dailypapers.{f}" for f in forbidden))}
            assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


def test_adapters_and_hub_do_not_import_entry_points() -> None:
    files = [
        *PACKAGE.joinpath("adapters").rglob("*.py"),
        *PACKAGE.joinpath("ports").rglob("*.py"),
        *PACKAGE.joinpath("usecases").rglob("*.py"),
        PACKAGE / "hub.py",
    ]
    for path in files:
        bad = {m for m in imported_modules(path) if m.startswith(("dailypapers.web", "dailypapers.cli", "fastapi"))}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


def test_every_module_starts_with_a_docstring() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "versions":
            continue
        docstring = ast.get_docstring(ast.parse(path.read_text()))
        assert docstring, f"{path.relative_to(PACKAGE)} has no module docstring saying what it owns"


def test_the_layer_picture_in_the_docs_is_current() -> None:
    script = runpy.run_path(str(PACKAGE.parents[1] / "scripts" / "layers_picture.py"))
    doc = (PACKAGE.parents[1] / "docs" / "architecture.md").read_text()
    assert script["picture"]() in doc, "docs/architecture.md is stale: run `.venv/bin/python scripts/layers_picture.py`"


def test_no_source_module_is_over_500_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text().splitlines())) > 500
    }
    assert not long, f"split these by responsibility: {long}"
