"""The house's shape (issue 11): a few modules at the top, a docstring first in every package,
and every family package under the import-linter contract that keeps families independent."""

from __future__ import annotations

import ast
import importlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "emulator"


def _docstring(path: Path) -> str | None:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))


def test_the_top_level_keeps_at_most_eight_modules() -> None:
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= 8, modules


def test_every_package_says_what_it_is_first() -> None:
    for init in PACKAGE.rglob("__init__.py"):
        text = _docstring(init)
        assert text and len(text) > 40, f"{init.relative_to(ROOT)} needs a docstring"


def test_every_family_installs_itself_and_is_under_the_independence_contract() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    independent = next(c for c in contracts if c["type"] == "independence")["modules"]
    families = sorted(p.parent.name for p in (PACKAGE / "families").glob("*/__init__.py"))
    assert sorted(m.rsplit(".", 1)[1] for m in independent) == families
    for name in families:
        module = importlib.import_module(f"emulator.families.{name}")
        assert callable(getattr(module, "install", None)), name
