"""Layering contract: the domain imports no framework and no adapter; adapters never import the web layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "dailypapers"
DOMAIN = ["models", "errors", "arxiv_ids", "records", "merging", "periods", "ranking", "digest", "rules", "personalize"]
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
)


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_modules_stay_pure(module: str) -> None:
    bad = {m for m in imported_modules(PACKAGE / f"{module}.py") if m.startswith(FORBIDDEN_IN_DOMAIN)}
    assert not bad, f"dailypapers.{module} imports {bad}"


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
